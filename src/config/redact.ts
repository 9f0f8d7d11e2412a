import { isTable, newTable, type TomlTable, type TomlValue } from "./toml-file.js";

/**
 * A copy of a config table fit to leave the machine (feedback bundles): secrets and values
 * that commonly carry them are replaced. Errs on the side of removing too much: a key whose
 * name looks like a credential, every value of an environment or header table, and the names
 * of the variables that hold bearer tokens (they point at the secret).
 */
export const REDACTED = "[redacted]";

/** Key names whose value is a secret (or says where one is). */
const SECRET_KEY = /token|secret|passw|api_?key|auth|credential|bearer|cookie|session_?id|private/i;
/** Tables whose every value is an environment value or a header. */
const VALUE_TABLES = new Set(["env", "set", "http_headers", "env_http_headers", "headers", "query_params"]);

export function redactConfig(table: TomlTable): TomlTable {
  const out = newTable();
  for (const [key, value] of Object.entries(table)) out[key] = redactEntry(key, value);
  return out;
}

function redactEntry(key: string, value: TomlValue): TomlValue {
  if (SECRET_KEY.test(key)) return REDACTED;
  if (VALUE_TABLES.has(key) && isTable(value)) {
    const out = newTable();
    for (const name of Object.keys(value)) out[name] = REDACTED;
    return out;
  }
  // `env = ["A=1"]`-style lists and command arguments can carry tokens too.
  if (VALUE_TABLES.has(key) && Array.isArray(value)) return value.map(() => REDACTED) as TomlValue;
  return redactValue(value);
}

function redactValue(value: TomlValue): TomlValue {
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v as TomlValue)) as TomlValue;
  if (isTable(value)) return redactConfig(value);
  return value;
}

/**
 * `name = value`, `"name": "value"` or `Name: value` (quotes possibly JSON-escaped, as a command's
 * output is inside a rollout line) where the name looks like a credential; counts stay.
 */
const SECRET_ASSIGNMENT =
  /((?:token|secret|passw(?:or)?d|api[_-]?key|access[_-]?key|credential|private[_-]?key)[\w-]{0,40}(?:\\?["'])?\s{0,8}[:=]\s{0,8}(?:\\?["'])?)(?!\d+(?:[\s,}\]"'\\]|$))[^\s"'\\,;&{}[\]]+/gi;

/** Credentials inside URLs (`https://user:pass@host`, `?token=`), bearer strings and known key formats. */
export function redactText(value: string): string {
  return value
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, REDACTED)
    .replace(/(\w+:\/\/)[^/\s@]+@/g, `$1${REDACTED}@`)
    .replace(/([?&](?:[^=&\s]*(?:token|key|secret|sig|auth)[^=&\s]*)=)[^&\s]+/gi, `$1${REDACTED}`)
    .replace(/(authorization\\?["']?\s*[:=]\s*)[^\n"\\]+/gi, `$1${REDACTED}`)
    .replace(/\b(Bearer|Basic)\s+\S+/gi, `$1 ${REDACTED}`)
    .replace(SECRET_ASSIGNMENT, `$1${REDACTED}`)
    .replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED)
    .replace(/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED)
    .replace(
      /\b(sk-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{16,}|xox[abpr]-[A-Za-z0-9-]{8,})/g,
      REDACTED,
    );
}
