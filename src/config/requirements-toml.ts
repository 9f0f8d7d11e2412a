import { z } from "zod";
import {
  ApprovalsReviewerSchema,
  AskForApprovalSchema,
  SandboxPolicyTypeSchema,
} from "../protocol/permissions.js";
import { ConfigError } from "./errors.js";
import { getPath } from "./merge.js";
import { readTomlFile, type TomlTable } from "./toml-file.js";
import { describeIssue } from "./validate.js";

export const DEFAULT_REQUIREMENTS_FILE = "/etc/keel/requirements.toml";

export const WebSearchModeSchema = z.enum(["disabled", "cached", "live"]);
export type WebSearchMode = z.infer<typeof WebSearchModeSchema>;

const DomainPermissionSchema = z.enum(["allow", "deny"]);
const UnixSocketPermissionSchema = z.enum(["allow", "none", "deny"]);

export const NetworkRequirementsTomlSchema = z
  .looseObject({
    enabled: z.boolean().optional(),
    http_port: z.number().int().min(0).max(65535).optional(),
    socks_port: z.number().int().min(0).max(65535).optional(),
    allow_upstream_proxy: z.boolean().optional(),
    dangerously_allow_non_loopback_proxy: z.boolean().optional(),
    dangerously_allow_all_unix_sockets: z.boolean().optional(),
    domains: z.record(z.string(), DomainPermissionSchema).optional(),
    allowed_domains: z.array(z.string()).optional(),
    denied_domains: z.array(z.string()).optional(),
    managed_allowed_domains_only: z.boolean().optional(),
    unix_sockets: z.record(z.string(), UnixSocketPermissionSchema).optional(),
    allow_unix_sockets: z.array(z.string()).optional(),
    allow_local_binding: z.boolean().optional(),
  })
  .refine((n) => !(n.domains && (n.allowed_domains || n.denied_domains)), {
    message: "use either `domains` or the legacy `allowed_domains`/`denied_domains`, not both",
  })
  .refine((n) => !(n.unix_sockets && n.allow_unix_sockets), {
    message: "use either `unix_sockets` or the legacy `allow_unix_sockets`, not both",
  });
export type NetworkRequirementsToml = z.infer<typeof NetworkRequirementsTomlSchema>;

const PrefixRuleSchema = z.looseObject({
  pattern: z.array(z.unknown()).min(1),
  decision: z.string(),
  justification: z.string().optional(),
});

/** `[mcp_servers.NAME.identity]`: the one stdio command or URL the server may have. */
const McpServerRequirementSchema = z.object({
  identity: z.union([z.strictObject({ command: z.string() }), z.strictObject({ url: z.string() })]),
});

export const RequirementsTomlSchema = z.looseObject({
  allowed_approval_policies: z.array(AskForApprovalSchema).optional(),
  allowed_approvals_reviewers: z.array(ApprovalsReviewerSchema).optional(),
  /** Also accepts `external-sandbox` (programmatic use only). */
  allowed_sandbox_modes: z.array(SandboxPolicyTypeSchema).optional(),
  allowed_web_search_modes: z.array(WebSearchModeSchema).optional(),
  enforce_residency: z.enum(["us"]).optional(),
  features: z.record(z.string(), z.boolean()).optional(),
  feature_requirements: z.record(z.string(), z.boolean()).optional(),
  experimental_network: NetworkRequirementsTomlSchema.optional(),
  rules: z.looseObject({ prefix_rules: z.array(PrefixRuleSchema).optional() }).optional(),
  mcp_servers: z.record(z.string(), McpServerRequirementSchema).optional(),
});
export type RequirementsToml = z.infer<typeof RequirementsTomlSchema>;

/** A parsed requirements file; `file` doubles as the requirement source in errors. */
export interface LoadedRequirementsToml {
  file: string;
  toml: RequirementsToml;
}

/** Reads and validates requirements.toml; `null` when the file does not exist. */
export function loadRequirementsToml(file: string): LoadedRequirementsToml | null {
  const loaded = readTomlFile(file);
  if (!loaded.table) return null;
  return { file, toml: parseRequirementsToml(loaded.table, file) };
}

export function parseRequirementsToml(table: TomlTable, file: string): RequirementsToml {
  if (table.features !== undefined && table.feature_requirements !== undefined) {
    throw new ConfigError(`${file}: set either \`features\` or its alias \`feature_requirements\`, not both`);
  }
  const result = RequirementsTomlSchema.safeParse(table);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const issuePath = issue.path.map(String);
    throw new ConfigError(`${file}: ${describeIssue(issue, getPath(table, issuePath), issuePath)}`);
  }
  const toml = result.data;
  if (toml.feature_requirements && !toml.features) toml.features = toml.feature_requirements;
  return toml;
}
