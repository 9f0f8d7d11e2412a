import { z } from "zod";
import { ApprovalsReviewerSchema, AskForApprovalSchema, SandboxModeSchema } from "../protocol/permissions.js";
import { ReasoningEffortSchema, ReasoningSummarySchema } from "../protocol/model.js";
import { NetworkMitmTomlSchema } from "./mitm-toml.js";
import { WebSearchModeSchema } from "./requirements-toml.js";

/**
 * zod schemas for the config.toml keys keel reads (same spelling as Codex). Every table is
 * "loose": keys keel does not know are kept (so `keel debug config` shows them) and ignored.
 * Values are validated after all layers are merged; the error names the layer's file.
 */

const TrustLevelSchema = z.enum(["trusted", "untrusted"]);
export type TrustLevel = z.infer<typeof TrustLevelSchema>;

export const ProjectConfigSchema = z.looseObject({ trust_level: TrustLevelSchema.optional() });

export const SandboxWorkspaceWriteSchema = z.looseObject({
  writable_roots: z.array(z.string()).optional(),
  network_access: z.boolean().optional(),
  exclude_tmpdir_env_var: z.boolean().optional(),
  exclude_slash_tmp: z.boolean().optional(),
});
export type SandboxWorkspaceWriteToml = z.infer<typeof SandboxWorkspaceWriteSchema>;

/** Access spellings accepted in `[permissions.<id>.filesystem]` (`none` is the seed's `deny`). */
export const FilesystemAccessTomlSchema = z.enum(["read", "write", "none", "deny"]);

export const PermissionProfileTomlSchema = z.looseObject({
  description: z.string().optional(),
  extends: z.string().optional(),
  /** Path keys and values are checked by the profile compiler (they need the file for errors). */
  filesystem: z.record(z.string(), z.unknown()).optional(),
  network: z
    .looseObject({
      enabled: z.boolean().optional(),
      // The managed proxy's keys (network-proxy.md §2); read only with `features.network_proxy`
      // or requirements `[experimental_network]`.
      mode: z.enum(["full", "limited"]).optional(),
      allow_local_binding: z.boolean().optional(),
      enable_socks5: z.boolean().optional(),
      enable_socks5_udp: z.boolean().optional(),
      allow_upstream_proxy: z.boolean().optional(),
      dangerously_allow_non_loopback_proxy: z.boolean().optional(),
      proxy_url: z.string().optional(),
      socks_url: z.string().optional(),
      domains: z.record(z.string(), z.enum(["allow", "deny"])).optional(),
      mitm: NetworkMitmTomlSchema.optional(),
    })
    .optional(),
});
export type PermissionProfileToml = z.infer<typeof PermissionProfileTomlSchema>;

export const HistorySchema = z.looseObject({
  persistence: z.enum(["save-all", "none"]).optional(),
  max_bytes: z.number().int().min(0).optional(),
});

export const ShellEnvironmentPolicySchema = z.looseObject({
  inherit: z.enum(["core", "all", "none"]).optional(),
  ignore_default_excludes: z.boolean().optional(),
  exclude: z.array(z.string()).optional(),
  include_only: z.array(z.string()).optional(),
  set: z.record(z.string(), z.string()).optional(),
  experimental_use_profile: z.boolean().optional(),
});
export type ShellEnvironmentPolicyToml = z.infer<typeof ShellEnvironmentPolicySchema>;

export const WindowsTomlSchema = z.looseObject({ sandbox: z.enum(["elevated", "unelevated"]).optional() });

/**
 * `[tools] web_search` as a table (Codex 0.169's `WebSearchToolConfig`): what the hosted search
 * may use. Unknown keys are refused, as Codex refuses them.
 */
export const WebSearchToolConfigSchema = z.strictObject({
  context_size: z.enum(["low", "medium", "high"]).optional(),
  allowed_domains: z.array(z.string()).optional(),
  location: z
    .strictObject({
      country: z.string().optional(),
      region: z.string().optional(),
      city: z.string().optional(),
      timezone: z.string().optional(),
    })
    .optional(),
});
export type WebSearchToolConfig = z.infer<typeof WebSearchToolConfigSchema>;

/** `[tools]`: switches for optional tools (`web_search` is the older boolean form, or a table). */
export const ToolsTomlSchema = z.looseObject({
  web_search: z
    .union([z.boolean(), WebSearchToolConfigSchema], {
      error: (issue) =>
        issue.code === "invalid_union"
          ? 'expected true, false or a table of context_size ("low", "medium" or "high"), allowed_domains and location'
          : undefined,
    })
    .optional(),
  view_image: z.boolean().optional(),
});

/** Keys a `[profiles.<name>]` table may set; they sit between typed overrides and top-level keys. */
export const ConfigProfileSchema = z.looseObject({
  model: z.string().optional(),
  model_provider: z.string().optional(),
  model_reasoning_effort: ReasoningEffortSchema.optional(),
  model_reasoning_summary: ReasoningSummarySchema.optional(),
  model_context_window: z.number().int().positive().optional(),
  model_auto_compact_token_limit: z.number().int().optional(),
  tool_output_token_limit: z.number().int().nonnegative().optional(),
  approval_policy: AskForApprovalSchema.optional(),
  approvals_reviewer: ApprovalsReviewerSchema.optional(),
  sandbox_mode: SandboxModeSchema.optional(),
  developer_instructions: z.string().optional(),
  model_instructions_file: z.string().optional(),
  oss_provider: z.string().optional(),
  features: z.record(z.string(), z.boolean()).optional(),
  windows: WindowsTomlSchema.optional(),
  // Model catalog and request shape (docs/readme/models.md).
  model_catalog_json: z.string().optional(),
  model_verbosity: z.enum(["low", "medium", "high"]).optional(),
  service_tier: z.string().optional(),
  web_search: WebSearchModeSchema.optional(),
  tools: ToolsTomlSchema.optional(),
});
export type ConfigProfile = z.infer<typeof ConfigProfileSchema>;

/** Keys of a config profile that are overlaid onto the top level when the profile is active. */
export const PROFILE_KEYS = Object.keys(ConfigProfileSchema.shape) as (keyof ConfigProfile)[];

/** The top level accepts every profile key plus the ones below. */
export const ConfigTomlSchema = ConfigProfileSchema.extend({
  model_providers: z.record(z.string(), z.unknown()).optional(),
  openai_base_url: z.string().optional(),
  sandbox_workspace_write: SandboxWorkspaceWriteSchema.optional(),
  default_permissions: z.string().optional(),
  permissions: z.record(z.string(), PermissionProfileTomlSchema).optional(),
  projects: z.record(z.string(), ProjectConfigSchema).optional(),
  profile: z.string().optional(),
  profiles: z.record(z.string(), ConfigProfileSchema).optional(),
  ephemeral: z.boolean().optional(),
  instructions: z.string().optional(),
  project_doc_max_bytes: z.number().int().nonnegative().optional(),
  project_doc_fallback_filenames: z.array(z.string()).optional(),
  compact_prompt: z.string().optional(),
  experimental_compact_prompt_file: z.string().optional(),
  history: HistorySchema.optional(),
  shell_environment_policy: ShellEnvironmentPolicySchema.optional(),
  /** Longest wait of an empty write_stdin poll, in ms (Codex default 300000). */
  background_terminal_max_timeout: z.number().int().nonnegative().optional(),
  /** false: exec_command never runs a login shell (`login` leaves the tool). */
  allow_login_shell: z.boolean().optional(),
  mcp_servers: z.record(z.string(), z.looseObject({})).optional(),
});
export type ConfigToml = z.infer<typeof ConfigTomlSchema>;
