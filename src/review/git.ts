import { execFile } from "node:child_process";

type Env = Readonly<Record<string, string | undefined>>;

/** One git command's trimmed stdout, or null when it fails (not a repository, unknown ref…). */
function git(cwd: string, args: readonly string[], env: Env | undefined): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      "git",
      [...args],
      { cwd, env: env ? { ...env, GIT_OPTIONAL_LOCKS: "0" } : undefined, timeout: 10_000 },
      (error, stdout) => resolve(error ? null : stdout.trim()),
    );
  });
}

/**
 * The upstream of `branch` when it has commits the local branch lacks: the review should then
 * compare against what the remote already has, as Codex does.
 */
async function upstreamIfAhead(cwd: string, branch: string, env: Env | undefined): Promise<string | null> {
  const upstream = await git(
    cwd,
    ["rev-parse", "--abbrev-ref", "--symbolic-full-name", `${branch}@{upstream}`],
    env,
  );
  if (!upstream) return null;
  const counts = await git(cwd, ["rev-list", "--left-right", "--count", `${branch}...${upstream}`], env);
  const ahead = Number(counts?.split(/\s+/)[1] ?? 0);
  return ahead > 0 ? upstream : null;
}

/**
 * The merge base of HEAD and `branch` (or its upstream, when that is ahead); null when there is
 * no repository, no HEAD yet, or no such branch — the reviewer is then told how to find it.
 */
export async function mergeBaseWithHead(cwd: string, branch: string, env?: Env): Promise<string | null> {
  // A name starting with "-" would be read as an option.
  if (branch.startsWith("-")) return null;
  const head = await git(cwd, ["rev-parse", "--verify", "HEAD"], env);
  if (!head) return null;
  const local = await git(cwd, ["rev-parse", "--verify", `${branch}^{commit}`], env);
  if (!local) return null;
  const upstream = await upstreamIfAhead(cwd, branch, env);
  const preferred = upstream
    ? ((await git(cwd, ["rev-parse", "--verify", `${upstream}^{commit}`], env)) ?? local)
    : local;
  return git(cwd, ["merge-base", head, preferred], env);
}
