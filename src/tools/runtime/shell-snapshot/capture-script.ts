/**
 * The scripts that print a shell's state as a file it can source again: rc files are read first
 * (a login shell reads the profile itself), then the marker line, aliases dropped, functions,
 * options, aliases and exported variables. PWD and OLDPWD are left out: a command starts in its
 * own directory.
 */

export type SnapshotShellKind = "bash" | "zsh" | "sh";

/** The marker everything before which (rc-file chatter) is cut from the capture. */
export const SNAPSHOT_MARKER = "# Snapshot file";

const SKIPPED_EXPORTS = "PWD|OLDPWD";

// `export -p` lines of any POSIX shell, filtered to valid names other than the skipped ones.
const EXPORTS_AWK = `awk '
/^(export|declare -x|typeset -x) / {
  name = $0
  sub(/^(export|declare -x|typeset -x) /, "", name)
  sub(/=.*/, "", name)
  if (name ~ /^(${SKIPPED_EXPORTS})$/) next
  if (name ~ /^[A-Za-z_][A-Za-z0-9_]*$/) print
}'`;

const HEADER = `echo '${SNAPSHOT_MARKER}'
echo '# Aliases are dropped first, so none shadows a function below'
echo 'unalias -a 2>/dev/null || true'
echo '# Functions'`;

const BASH = `if [ -z "$BASH_ENV" ] && [ -r "$HOME/.bashrc" ]; then
  . "$HOME/.bashrc"
fi
${HEADER}
declare -f
echo ''
echo '# Options'
set -o | awk '$2 == "on" { print "set -o " $1 }'
echo ''
echo '# Aliases'
alias -p
echo ''
echo '# exports (native declarations)'
compgen -e | while IFS= read -r name; do
  case "$name" in
    ${SKIPPED_EXPORTS}) continue ;;
  esac
  [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
  declare -xp "$name" 2>/dev/null || true
done
`;

const ZSH = `if [ -n "$ZDOTDIR" ]; then rc="$ZDOTDIR/.zshrc"; else rc="$HOME/.zshrc"; fi
[ -r "$rc" ] && . "$rc"
${HEADER}
functions
print ''
print '# Options'
setopt | sed 's/^/setopt /'
print ''
print '# Aliases'
alias -L
print ''
print '# exports (native declarations)'
export -p | ${EXPORTS_AWK}
`;

const SH = `if [ -n "$ENV" ] && [ -r "$ENV" ]; then
  . "$ENV"
fi
${HEADER}
if command -v typeset >/dev/null 2>&1; then typeset -f; fi
echo ''
echo '# Options'
if set -o >/dev/null 2>&1; then
  set -o | awk '$2 == "on" { print "set -o " $1 }'
fi
echo ''
echo '# Aliases'
alias 2>/dev/null | sed 's/^/alias /; s/^alias alias /alias /'
echo ''
echo '# exports (native declarations)'
export -p | ${EXPORTS_AWK}
`;

export function captureScript(kind: SnapshotShellKind): string {
  return kind === "bash" ? BASH : kind === "zsh" ? ZSH : SH;
}

/** The kind of a shell from its path; null for shells keel cannot snapshot (fish, PowerShell…). */
export function snapshotShellKind(shellPath: string): SnapshotShellKind | null {
  const name = shellPath.split("/").at(-1) ?? "";
  if (name === "bash" || name === "zsh") return name;
  if (name === "sh" || name === "dash" || name === "ash") return "sh";
  return null;
}
