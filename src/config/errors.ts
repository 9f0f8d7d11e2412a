import { UserError } from "../lib/errors.js";

/**
 * A configuration or requirements problem the user has to fix (bad TOML, unknown enum value,
 * invalid permission profile, violated requirement). The message is complete on its own — it
 * names the file and key — so callers print it as-is, never with a stack trace.
 */
export class ConfigError extends UserError {
  constructor(message: string) {
    super(message, 1);
    this.name = "ConfigError";
  }
}

/** Codex's `config_write_error_code` values (sent as the error's `data`). */
export type ConfigWriteErrorCode = "configLayerReadonly" | "configVersionConflict" | "configValidationError";

/** A rejected config/value/write or config/batchWrite; nothing was written. */
export class ConfigWriteError extends ConfigError {
  constructor(
    message: string,
    readonly code: ConfigWriteErrorCode,
  ) {
    super(message);
    this.name = "ConfigWriteError";
  }
}
