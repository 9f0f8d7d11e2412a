import fs from "node:fs";
import path from "node:path";
import type { ConfigLayerSource } from "../protocol/v2/config.js";
import { ConfigError } from "./errors.js";
import { layerFile } from "./layer-source.js";

/**
 * The compaction prompt from config, as Codex reads it: a non-blank `compact_prompt` wins; else
 * `experimental_compact_prompt_file` (relative to the config file that names it, `~/` to the home
 * directory), whose trimmed contents must not be empty. Null = keel's built-in prompt.
 */
export function resolveCompactPrompt(
  inline: string | undefined,
  file: { value: string | undefined; source: ConfigLayerSource | null },
  cwd: string,
  home: string,
): string | null {
  if (inline !== undefined && inline.trim() !== "") return inline;
  if (file.value === undefined) return null;
  const configFile = file.source ? layerFile(file.source) : null;
  const base = configFile ? path.dirname(configFile) : cwd;
  const expanded =
    file.value === "~" || file.value.startsWith("~/") ? path.join(home, file.value.slice(1)) : file.value;
  const resolved = path.resolve(base, expanded);
  let text: string;
  try {
    text = fs.readFileSync(resolved, "utf8");
  } catch (error) {
    throw new ConfigError(
      `failed to read experimental compact prompt file ${resolved}: ${(error as Error).message}`,
    );
  }
  const trimmed = text.trim();
  if (trimmed === "") throw new ConfigError(`experimental compact prompt file is empty: ${resolved}`);
  return trimmed;
}
