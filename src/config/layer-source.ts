import type { ConfigLayerSource } from "../protocol/v2/config.js";

/**
 * Where a configuration value came from. The types are the v2 wire schemas
 * (src/protocol/v2/config.ts), so `config/read` returns layer sources unchanged.
 */
export type { ConfigLayerMetadata, ConfigLayerSource } from "../protocol/v2/config.js";

/** Human-readable rendering for CLI output and error messages. */
export function describeLayerSource(source: ConfigLayerSource): string {
  switch (source.type) {
    case "system":
      return `system config ${source.file}`;
    case "user":
      return `user config ${source.file}`;
    case "project":
      return `project config ${source.dotCodexFolder}/config.toml`;
    case "sessionFlags":
      return "session flags (-c / command-line options)";
  }
}

/** The file a layer was read from; null for session flags (`-c`, request `config`). */
export function layerFile(source: ConfigLayerSource): string | null {
  switch (source.type) {
    case "system":
    case "user":
      return source.file;
    case "project":
      return `${source.dotCodexFolder}/config.toml`;
    case "sessionFlags":
      return null;
  }
}
