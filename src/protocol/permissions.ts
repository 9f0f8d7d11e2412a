import { z } from "zod";
import { isAbsolutePath, normalizeAbsolutePath } from "../lib/abs-path.js";

/**
 * Permission-model wire types (spec: permissions.md §1, §2, §4, §8).
 *
 * Two serialisations exist for the legacy SandboxPolicy: the core one (snake_case fields, kebab
 * `type` tags; used in config, rollouts and inside the engine) and the app-server v2 one
 * (camelCase). Parsed values always use the core shape with every default filled in; the
 * conversions live in `src/permissions/serialization.ts`.
 */

/** Absolute path, lexically normalised on parse (no `~` expansion: that needs the home dir). */
export const AbsPathSchema = z
  .string()
  .refine(isAbsolutePath, { message: "expected an absolute path" })
  .overwrite(normalizeAbsolutePath);
export type AbsPath = z.infer<typeof AbsPathSchema>;

// ---------------------------------------------------------------------------------------------
// Legacy sandbox model (§1)

export const SandboxModeSchema = z.enum(["read-only", "workspace-write", "danger-full-access"]);
export type SandboxMode = z.infer<typeof SandboxModeSchema>;

export const NetworkAccessSchema = z.enum(["restricted", "enabled"]);
export type NetworkAccess = z.infer<typeof NetworkAccessSchema>;

export const ReadOnlyAccessSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("full-access") }),
  z.object({
    type: z.literal("restricted"),
    include_platform_defaults: z.boolean().default(true),
    readable_roots: z.array(AbsPathSchema).default(() => []),
  }),
]);
export type ReadOnlyAccess = z.infer<typeof ReadOnlyAccessSchema>;

const fullReadAccess = (): ReadOnlyAccess => ({ type: "full-access" });

export const SandboxPolicySchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("danger-full-access") }),
  z.object({
    type: z.literal("read-only"),
    access: ReadOnlyAccessSchema.default(fullReadAccess),
    network_access: z.boolean().default(false),
  }),
  z.object({
    type: z.literal("external-sandbox"),
    network_access: NetworkAccessSchema.default("restricted"),
  }),
  z.object({
    type: z.literal("workspace-write"),
    writable_roots: z.array(AbsPathSchema).default(() => []),
    read_only_access: ReadOnlyAccessSchema.default(fullReadAccess),
    network_access: z.boolean().default(false),
    exclude_tmpdir_env_var: z.boolean().default(false),
    exclude_slash_tmp: z.boolean().default(false),
  }),
]);
export type SandboxPolicy = z.infer<typeof SandboxPolicySchema>;

/** The policy tags; requirements.toml `allowed_sandbox_modes` takes any of the four. */
export const SandboxPolicyTypeSchema = z.enum([
  "read-only",
  "workspace-write",
  "danger-full-access",
  "external-sandbox",
]);
export type SandboxPolicyType = z.infer<typeof SandboxPolicyTypeSchema>;
// The enum and the union's tags must stay the same set (a compile error otherwise).
const sameTags: [SandboxPolicy["type"], SandboxPolicyType] extends [SandboxPolicyType, SandboxPolicy["type"]]
  ? true
  : never = true;
void sameTags;

export const ReadOnlyAccessV2Schema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("fullAccess") }),
  z.object({
    type: z.literal("restricted"),
    includePlatformDefaults: z.boolean().default(true),
    readableRoots: z.array(AbsPathSchema).default(() => []),
  }),
]);
export type ReadOnlyAccessV2 = z.infer<typeof ReadOnlyAccessV2Schema>;

const fullReadAccessV2 = (): ReadOnlyAccessV2 => ({ type: "fullAccess" });

/** v2 wire form. `access`/`readOnlyAccess` are optional so the 0.169 shape (without them) parses. */
export const SandboxPolicyV2Schema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("dangerFullAccess") }),
  z.object({
    type: z.literal("readOnly"),
    access: ReadOnlyAccessV2Schema.default(fullReadAccessV2),
    networkAccess: z.boolean().default(false),
  }),
  z.object({
    type: z.literal("externalSandbox"),
    networkAccess: NetworkAccessSchema.default("restricted"),
  }),
  z.object({
    type: z.literal("workspaceWrite"),
    writableRoots: z.array(AbsPathSchema).default(() => []),
    readOnlyAccess: ReadOnlyAccessV2Schema.default(fullReadAccessV2),
    networkAccess: z.boolean().default(false),
    excludeTmpdirEnvVar: z.boolean().default(false),
    excludeSlashTmp: z.boolean().default(false),
  }),
]);
export type SandboxPolicyV2 = z.infer<typeof SandboxPolicyV2Schema>;

// ---------------------------------------------------------------------------------------------
// Runtime model (§2)

export const NetworkSandboxPolicySchema = z.enum(["restricted", "enabled"]);
export type NetworkSandboxPolicy = z.infer<typeof NetworkSandboxPolicySchema>;

/** Canonical internal access values. `none` is the seed spelling; `deny` is accepted on input. */
export const FileSystemAccessModeSchema = z.enum(["read", "write", "none"]);
export type FileSystemAccessMode = z.infer<typeof FileSystemAccessModeSchema>;

/** Access as it appears on the wire: the 0.169 spelling `deny` decodes to `none`. */
export const FileSystemAccessModeInputSchema = z.codec(
  z.enum(["read", "write", "none", "deny"]),
  FileSystemAccessModeSchema,
  {
    decode: (value) => (value === "deny" ? "none" : value),
    encode: (value) => value,
  },
);

export const FileSystemSpecialPathSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("root") }),
  z.object({ kind: z.literal("minimal") }),
  // Seed spelling; later folded into `project_roots` without subpath (treated as the same target).
  z.object({ kind: z.literal("current_working_directory") }),
  z.object({ kind: z.literal("project_roots"), subpath: z.string().optional() }),
  z.object({ kind: z.literal("tmpdir") }),
  z.object({ kind: z.literal("slash_tmp") }),
  // Forward-compatible token from a newer config: parsed and kept, never grants anything.
  z.object({ kind: z.literal("unknown"), path: z.string(), subpath: z.string().optional() }),
]);
export type FileSystemSpecialPath = z.infer<typeof FileSystemSpecialPathSchema>;
export type FileSystemSpecialPathKind = FileSystemSpecialPath["kind"];

export const FileSystemPathSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("path"), path: AbsPathSchema }),
  z.object({ type: z.literal("glob_pattern"), pattern: z.string() }),
  z.object({ type: z.literal("special"), value: FileSystemSpecialPathSchema }),
]);
export type FileSystemPath = z.infer<typeof FileSystemPathSchema>;

export const FileSystemSandboxEntrySchema = z.object({
  path: FileSystemPathSchema,
  access: FileSystemAccessModeInputSchema,
});
export type FileSystemSandboxEntry = z.infer<typeof FileSystemSandboxEntrySchema>;

/** An already-decoded entry (canonical access only); for in-memory values. */
export const FileSystemSandboxEntryValueSchema = z.object({
  path: FileSystemPathSchema,
  access: FileSystemAccessModeSchema,
});

export const FileSystemSandboxKindSchema = z.enum(["restricted", "unrestricted", "external-sandbox"]);
export type FileSystemSandboxKind = z.infer<typeof FileSystemSandboxKindSchema>;

/** Core JSON. Serialisation omits `glob_scan_max_depth` when null and `entries` when empty. */
export const FileSystemSandboxPolicySchema = z.object({
  kind: FileSystemSandboxKindSchema,
  glob_scan_max_depth: z.number().int().min(0).nullable().default(null),
  entries: z.array(FileSystemSandboxEntrySchema).default(() => []),
});
export type FileSystemSandboxPolicy = z.infer<typeof FileSystemSandboxPolicySchema>;

// ---------------------------------------------------------------------------------------------
// PermissionProfile (§4)

const GlobScanMaxDepthSchema = z.number().int().min(1);

export const NetworkPermissionsSchema = z.object({ enabled: z.boolean().nullable().default(null) });
export type NetworkPermissions = z.infer<typeof NetworkPermissionsSchema>;

/** In-memory form of `FileSystemPermissions`. */
export const FileSystemPermissionsValueSchema = z.object({
  entries: z.array(FileSystemSandboxEntryValueSchema),
  glob_scan_max_depth: GlobScanMaxDepthSchema.nullable(),
});
export type FileSystemPermissions = z.infer<typeof FileSystemPermissionsValueSchema>;

const LegacyFileSystemPermissionsJsonSchema = z.strictObject({
  read: z.array(AbsPathSchema).optional(),
  write: z.array(AbsPathSchema).optional(),
});
const CanonicalFileSystemPermissionsJsonSchema = z.strictObject({
  entries: z.array(FileSystemSandboxEntrySchema).optional(),
  glob_scan_max_depth: GlobScanMaxDepthSchema.nullish(),
});

/**
 * Dual-form JSON: legacy `{read?, write?}` is emitted when depth is null and every entry is a
 * plain path with read or write; otherwise canonical `{entries?, glob_scan_max_depth?}`.
 * Both forms decode (unknown fields rejected); legacy input yields reads before writes.
 */
export const FileSystemPermissionsSchema = z.codec(
  z.union([LegacyFileSystemPermissionsJsonSchema, CanonicalFileSystemPermissionsJsonSchema]),
  FileSystemPermissionsValueSchema,
  {
    decode: (json): z.input<typeof FileSystemPermissionsValueSchema> => {
      if ("entries" in json || "glob_scan_max_depth" in json) {
        const canonical = json as z.output<typeof CanonicalFileSystemPermissionsJsonSchema>;
        return {
          entries: canonical.entries ?? [],
          glob_scan_max_depth: canonical.glob_scan_max_depth ?? null,
        };
      }
      const legacy = json as z.output<typeof LegacyFileSystemPermissionsJsonSchema>;
      const pathEntry = (path: string, access: "read" | "write") => ({
        path: { type: "path" as const, path },
        access,
      });
      return {
        entries: [
          ...(legacy.read ?? []).map((p) => pathEntry(p, "read")),
          ...(legacy.write ?? []).map((p) => pathEntry(p, "write")),
        ],
        glob_scan_max_depth: null,
      };
    },
    encode: (value) => {
      const legacyExpressible =
        value.glob_scan_max_depth === null &&
        value.entries.every((e) => e.path.type === "path" && e.access !== "none");
      if (legacyExpressible) {
        const pick = (access: string) =>
          value.entries.flatMap((e) => (e.access === access && e.path.type === "path" ? [e.path.path] : []));
        const read = pick("read");
        const write = pick("write");
        return { ...(read.length > 0 ? { read } : {}), ...(write.length > 0 ? { write } : {}) };
      }
      return {
        ...(value.entries.length > 0 ? { entries: value.entries } : {}),
        ...(value.glob_scan_max_depth !== null ? { glob_scan_max_depth: value.glob_scan_max_depth } : {}),
      };
    },
  },
);

/** Seed core record (untagged). */
export const PermissionProfileSchema = z.object({
  network: NetworkPermissionsSchema.nullable().default(null),
  file_system: FileSystemPermissionsSchema.nullable().default(null),
});
export type PermissionProfile = z.infer<typeof PermissionProfileSchema>;

/** v2 wire shape (`permissionProfile` on thread/turn requests and responses). */
export const PermissionProfileV2Schema = z.object({
  network: NetworkPermissionsSchema.nullable().default(null),
  fileSystem: z
    .object({
      entries: z.array(FileSystemSandboxEntrySchema).default(() => []),
      globScanMaxDepth: GlobScanMaxDepthSchema.nullish(),
    })
    .nullable()
    .default(null),
});
export type PermissionProfileV2 = z.infer<typeof PermissionProfileV2Schema>;

/**
 * A PermissionProfile typed by a person (`--permission-profile`): the core spelling
 * (`file_system`) or the wire one (`fileSystem`), with unknown keys rejected at every level so a
 * typo can never turn into an empty, deny-everything profile.
 */
const NetworkPermissionsInputSchema = z.strictObject({ enabled: z.boolean().nullable().default(null) });
export const PermissionProfileCoreInputSchema = z.strictObject({
  network: NetworkPermissionsInputSchema.nullable().default(null),
  file_system: FileSystemPermissionsSchema.nullable().default(null),
});
export const PermissionProfileWireInputSchema = z.strictObject({
  network: NetworkPermissionsInputSchema.nullable().default(null),
  fileSystem: z
    .strictObject({
      entries: z.array(FileSystemSandboxEntrySchema).default(() => []),
      globScanMaxDepth: GlobScanMaxDepthSchema.nullish(),
    })
    .nullable()
    .default(null),
});

/** [0.169] `activePermissionProfile` in thread responses. */
export const ActivePermissionProfileSchema = z.object({
  id: z.string(),
  extends: z.string().nullable().default(null),
});
export type ActivePermissionProfile = z.infer<typeof ActivePermissionProfileSchema>;

// ---------------------------------------------------------------------------------------------
// Approvals (§8)

export const GranularApprovalConfigSchema = z.object({
  sandbox_approval: z.boolean(),
  rules: z.boolean(),
  skill_approval: z.boolean().default(false),
  request_permissions: z.boolean().default(false),
  mcp_elicitations: z.boolean(),
});
export type GranularApprovalConfig = z.infer<typeof GranularApprovalConfigSchema>;

export const SimpleAskForApprovalSchema = z.enum(["untrusted", "on-failure", "on-request", "never"]);

export const AskForApprovalSchema = z.union([
  SimpleAskForApprovalSchema,
  z.object({ granular: GranularApprovalConfigSchema }),
]);
export type AskForApproval = z.infer<typeof AskForApprovalSchema>;

export const ApprovalsReviewerSchema = z.enum(["user", "auto_review", "guardian_subagent"]);
export type ApprovalsReviewer = z.infer<typeof ApprovalsReviewerSchema>;

/** Per-command sandbox override requested by the model (§8.3). */
export const SandboxPermissionsSchema = z.enum([
  "use_default",
  "require_escalated",
  "with_additional_permissions",
]);
export type SandboxPermissions = z.infer<typeof SandboxPermissionsSchema>;

/** Windows-only sandbox level carried by the session configuration. */
export const WindowsSandboxLevelSchema = z.enum(["disabled", "restricted_token", "elevated"]);
export type WindowsSandboxLevel = z.infer<typeof WindowsSandboxLevelSchema>;
