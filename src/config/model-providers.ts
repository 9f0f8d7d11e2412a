import { ConfigError } from "./errors.js";
import type { Origins } from "./merge.js";
import { type ModelProviderInfo, ModelProviderTomlSchema } from "./model-provider.js";
import type { TomlTable } from "./toml-file.js";
import { parseWithOrigins } from "./validate.js";

/**
 * Built-in providers plus the user's `[model_providers.*]` tables. A user table replaces the
 * built-in with the same id as a whole (no per-key merge, so it never inherits a stray env_key).
 * Each table is validated when it is first asked for, so a broken provider nobody uses does not
 * stop `keel sandbox` or `keel debug config`; its error names the file, line and key.
 */
export class ModelProviders {
  private readonly resolved = new Map<string, ModelProviderInfo>();

  constructor(
    private readonly builtIns: Readonly<Record<string, ModelProviderInfo>>,
    private readonly user: Readonly<Record<string, unknown>>,
    private readonly origins: Origins,
  ) {}

  ids(): string[] {
    return [...new Set([...Object.keys(this.builtIns), ...Object.keys(this.user)])].sort();
  }

  has(id: string): boolean {
    return Object.hasOwn(this.user, id) || Object.hasOwn(this.builtIns, id);
  }

  /** The provider configured under `id`; a ConfigError when it is unknown or invalid. */
  get(id: string): ModelProviderInfo {
    const cached = this.resolved.get(id);
    if (cached) return cached;
    let info: ModelProviderInfo;
    if (Object.hasOwn(this.user, id)) {
      // A non-table value fails the schema too, with the same located message.
      const raw = this.user[id] as TomlTable;
      const parsed = parseWithOrigins(ModelProviderTomlSchema, raw, this.origins, ["model_providers", id]);
      // Codex shows a provider without `name` under its id.
      info = { ...parsed, name: parsed.name?.trim() ? parsed.name : id };
    } else if (Object.hasOwn(this.builtIns, id)) {
      info = this.builtIns[id]!;
    } else {
      throw new ConfigError(`unknown model provider "${id}" (known: ${this.ids().join(", ")})`);
    }
    this.resolved.set(id, info);
    return info;
  }
}
