import { InvalidArgumentError } from "commander";

/** `--env KEY=VALUE` (Codex's rule): the key may not be empty, the value may hold more `=`. */
export function parseEnvPair(raw: string): [string, string] {
  const at = raw.indexOf("=");
  const key = at < 0 ? "" : raw.slice(0, at).trim();
  if (key === "") {
    const error = new InvalidArgumentError("environment entries must be in KEY=VALUE form");
    error.exitCode = 2; // a usage error, as Codex's
    throw error;
  }
  return [key, raw.slice(at + 1)];
}
