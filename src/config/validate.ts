import type { z } from "zod";
import { ConfigError } from "./errors.js";
import { locateKeyInFile } from "./key-location.js";
import { type ConfigLayerSource, layerFile } from "./layer-source.js";
import { getPath, type Origins, originOf } from "./merge.js";
import type { TomlTable } from "./toml-file.js";

/**
 * Short name of the place a value was written, for error messages: `file:line:column` when the
 * key path can be found in the layer's file, else the file, or `-c override` for session flags.
 */
export function sourceLocation(
  source: ConfigLayerSource | null | undefined,
  keyPath?: readonly string[],
): string {
  if (!source) return "configuration";
  const file = layerFile(source);
  if (file === null) return "-c override";
  const at = keyPath ? locateKeyInFile(file, keyPath) : null;
  return at ? `${file}:${at.line}:${at.column}` : file;
}

/**
 * Validates `value` against `schema`; on failure throws a ConfigError naming the file the
 * offending key came from, the key path and — for enums — every allowed value.
 */
export function parseWithOrigins<S extends z.ZodType>(
  schema: S,
  value: TomlTable,
  origins: Origins,
  basePath: readonly string[] = [],
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = [...basePath, ...issue.path.map(String)];
  const where = sourceLocation(originOf(origins, path)?.name, path);
  throw new ConfigError(`${where}: ${describeIssue(issue, getPath(value, issue.path.map(String)), path)}`);
}

export function describeIssue(issue: z.core.$ZodIssue, got: unknown, path: readonly string[]): string {
  const key = path.join(".");
  const allowed = allowedValues(issue);
  if (allowed) {
    return `unknown value ${renderValue(got)} for \`${key}\`; expected one of ${allowed.join(", ")}`;
  }
  return `invalid value for \`${key}\`: ${issue.message}`;
}

function allowedValues(issue: z.core.$ZodIssue): string[] | null {
  if (issue.code === "invalid_value") return issue.values.map((v) => `\`${String(v)}\``);
  if (issue.code === "invalid_union") {
    const found: string[] = [];
    for (const branch of issue.errors) {
      for (const inner of branch) {
        if (inner.path.length > 0) continue;
        if (inner.code === "invalid_value") found.push(...inner.values.map((v) => `\`${String(v)}\``));
        else if (inner.code === "invalid_type" && inner.expected === "object") found.push("a table");
      }
    }
    return found.some((v) => v !== "a table") ? found : null;
  }
  return null;
}

function renderValue(value: unknown): string {
  return typeof value === "string" ? `\`${value}\`` : (JSON.stringify(value) ?? String(value));
}
