import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EMPTY_MODEL_CATALOG } from "../../src/model/catalog/model-info.js";
import type {
  AskForApproval,
  FileSystemSandboxEntry,
  FileSystemSandboxPolicy,
  PermissionProfile,
  SandboxPolicy,
} from "../../src/protocol/permissions.js";
import {
  Constrained,
  type ConstraintError,
  type SessionConfiguration,
  type SessionSettingsUpdate,
  applySettingsUpdate,
  constrainApprovalPolicy,
  constrainSandboxPolicy,
  dangerFullAccess,
  debugPermissionProfile,
  entriesEqual,
  externalSandbox,
  fsFromLegacySandboxPolicy,
  newReadOnly,
  newWorkspaceWrite,
  networkFromLegacy,
  profileFromRuntime,
  restrictedFsPolicy,
  sessionPermissionProfile,
  unrestrictedFsPolicy,
} from "../../src/permissions/index.js";
import { tempDir } from "../support/tmp.js";
import { at, cwdEntry, glob, make, root } from "./helpers.js";

const PROCESS_CWD = "/srv";

function makeConfig(options: {
  cwd: string;
  sandbox?: SandboxPolicy;
  fs?: FileSystemSandboxPolicy;
  sandboxConstraint?: Constrained<SandboxPolicy>;
  approvalConstraint?: Constrained<AskForApproval>;
}): SessionConfiguration {
  const sandbox = options.sandbox ?? newWorkspaceWrite();
  const sandboxPolicy = options.sandboxConstraint ?? Constrained.allowAny(sandbox);
  if (options.sandboxConstraint !== undefined) sandboxPolicy.set(sandbox);
  return {
    providerId: "openai",
    collaborationMode: {
      mode: "default",
      settings: { model: "m", reasoningEffort: null, developerInstructions: null },
    },
    reasoningSummary: null,
    serviceTier: "flex",
    developerInstructions: null,
    userInstructions: null,
    baseInstructions: "base",
    compactPrompt: null,
    modelCatalog: EMPTY_MODEL_CATALOG,
    personality: null,
    approvalPolicy: options.approvalConstraint ?? Constrained.allowAny<AskForApproval>("on-request"),
    approvalsReviewer: "user",
    sandboxPolicy,
    fileSystemSandboxPolicy: options.fs ?? fsFromLegacySandboxPolicy(sandbox, options.cwd),
    networkSandboxPolicy: networkFromLegacy(sandbox),
    windowsSandboxLevel: "disabled",
    cwd: options.cwd,
    keelHome: "/home/u/.keel",
    threadName: null,
    metricsServiceName: null,
    appServerClientName: null,
    appServerClientVersion: null,
  };
}

function apply(config: SessionConfiguration, update: SessionSettingsUpdate) {
  return applySettingsUpdate(config, update, { processCwd: PROCESS_CWD });
}

function ok(result: ReturnType<typeof apply>): SessionConfiguration {
  if (!result.ok) throw new Error(`unexpected error: ${result.error.message}`);
  return result.config;
}

function err(result: ReturnType<typeof apply>): ConstraintError {
  if (result.ok) throw new Error("expected an error");
  return result.error;
}

/** Old state of examples 1–4: WW at `repo` plus a deny glob, depth 2. */
function denyState(repo: string) {
  const bridged = fsFromLegacySandboxPolicy(newWorkspaceWrite(), repo);
  const fs = { ...bridged, glob_scan_max_depth: 2, entries: [...bridged.entries, glob("**/*.env")] };
  return { bridged, config: makeConfig({ cwd: repo, fs }) };
}

describe("SessionConfiguration.apply (§5 worked examples)", () => {
  it("1: a profile update keeps deny entries and inherits depth", () => {
    const repo = tempDir();
    const { bridged, config } = denyState(repo);
    const next = ok(apply(config, { permissionProfile: profileFromRuntime(bridged, "restricted") }));
    expect(next.sandboxPolicy.value).toEqual(newWorkspaceWrite());
    expect(next.fileSystemSandboxPolicy).toEqual({
      ...bridged,
      glob_scan_max_depth: 2,
      entries: [...bridged.entries, glob("**/*.env")],
    });
    expect(next.networkSandboxPolicy).toBe("restricted");
  });

  it("2: a profile with its own depth and the glob keeps them, without duplicates", () => {
    const repo = tempDir();
    const { bridged, config } = denyState(repo);
    const profile: PermissionProfile = {
      network: { enabled: false },
      file_system: { entries: [...bridged.entries, glob("**/*.env")], glob_scan_max_depth: 5 },
    };
    const next = ok(apply(config, { permissionProfile: profile }));
    expect(next.fileSystemSandboxPolicy).toEqual({
      ...bridged,
      glob_scan_max_depth: 5,
      entries: [...bridged.entries, glob("**/*.env")],
    });
  });

  it("3: switching to DangerFullAccess drops deny entries and depth", () => {
    const { config } = denyState(tempDir());
    const next = ok(apply(config, { sandboxPolicy: dangerFullAccess() }));
    expect(next.fileSystemSandboxPolicy).toEqual(unrestrictedFsPolicy());
    expect(next.networkSandboxPolicy).toBe("enabled");
  });

  it("4: switching to read-only keeps the glob and depth", () => {
    const { config } = denyState(tempDir());
    const next = ok(apply(config, { sandboxPolicy: newReadOnly() }));
    expect(next.fileSystemSandboxPolicy).toEqual({
      ...restrictedFsPolicy([root("read"), glob("**/*.env")]),
      glob_scan_max_depth: 2,
    });
    expect(next.networkSandboxPolicy).toBe("restricted");
  });

  it("5: a profile writing outside the workspace is rejected with the exact message", () => {
    const config = makeConfig({ cwd: "/repo" });
    const profile: PermissionProfile = {
      network: null,
      file_system: { entries: [at("/data", "write")], glob_scan_max_depth: null },
    };
    const error = err(apply(config, { permissionProfile: profile }));
    expect(error.detail).toEqual({
      kind: "InvalidValue",
      fieldName: "permission_profile",
      candidate: debugPermissionProfile(profile),
      allowed:
        "permission profiles that can be represented by the active sandbox constraints: permissions profile requests filesystem writes outside the workspace root, which is not supported until the runtime enforces FileSystemSandboxPolicy directly",
      requirementSource: { kind: "unknown" },
    });
    expect(error.message).toBe(
      'invalid value for `permission_profile`: `PermissionProfile { network: None, file_system: Some(FileSystemPermissions { entries: [FileSystemSandboxEntry { path: Path { path: AbsolutePathBuf("/data") }, access: Write }], glob_scan_max_depth: None }) }` is not in the allowed set permission profiles that can be represented by the active sandbox constraints: permissions profile requests filesystem writes outside the workspace root, which is not supported until the runtime enforces FileSystemSandboxPolicy directly (set by <unspecified>)',
    );
  });

  it("6: a root:write profile with network becomes DangerFullAccess but stays restricted at runtime", () => {
    const next = ok(
      apply(makeConfig({ cwd: "/repo" }), {
        permissionProfile: {
          network: { enabled: true },
          file_system: { entries: [root("write")], glob_scan_max_depth: null },
        },
      }),
    );
    expect(next.sandboxPolicy.value).toEqual(dangerFullAccess());
    expect(next.fileSystemSandboxPolicy).toEqual(restrictedFsPolicy([root("write")]));
    expect(next.networkSandboxPolicy).toBe("enabled");
  });

  it("7: a legacy-bridged state retargets carve-outs on a cwd change", () => {
    const repo = tempDir();
    make(repo, ".git");
    const sub = make(repo, "subdir");
    const config = makeConfig({ cwd: sub });
    const next = ok(apply(config, { cwd: repo }));
    expect(next.cwd).toBe(repo);
    expect(next.fileSystemSandboxPolicy).toEqual(fsFromLegacySandboxPolicy(newWorkspaceWrite(), repo));
    expect(next.fileSystemSandboxPolicy.entries).toContainEqual(at(path.join(repo, ".git"), "read"));
  });

  it("8: a split state survives a cwd-only update", () => {
    const sandbox = newWorkspaceWrite({
      read_only_access: {
        type: "restricted",
        include_platform_defaults: true,
        readable_roots: ["/repo/subdir/docs"],
      },
      exclude_tmpdir_env_var: true,
      exclude_slash_tmp: true,
    });
    const fs = restrictedFsPolicy([cwdEntry("write"), at("/repo/subdir/docs", "read")]);
    const next = ok(apply(makeConfig({ cwd: "/repo/subdir", sandbox, fs }), { cwd: "/repo" }));
    expect(next.fileSystemSandboxPolicy).toEqual(fs);
    expect(next.cwd).toBe("/repo");
  });

  it("9: requirements allowing only read-only reject WorkspaceWrite, by policy or by profile", () => {
    const source = { kind: "system_requirements_toml", file: "/etc/codex/requirements.toml" } as const;
    const config = makeConfig({
      cwd: "/repo",
      sandbox: newReadOnly(),
      sandboxConstraint: constrainSandboxPolicy(["read-only"], source) as Constrained<SandboxPolicy>,
    });
    const expected = {
      kind: "InvalidValue",
      fieldName: "sandbox_mode",
      candidate: "WorkspaceWrite",
      allowed: "[ReadOnly]",
      requirementSource: source,
    };
    expect(err(apply(config, { sandboxPolicy: newWorkspaceWrite() })).detail).toEqual(expected);
    const profile = profileFromRuntime(fsFromLegacySandboxPolicy(newWorkspaceWrite(), "/repo"), "restricted");
    expect(err(apply(config, { permissionProfile: profile })).detail).toEqual(expected);
    expect(config.sandboxPolicy.value).toEqual(newReadOnly());
  });

  it("10: a relative cwd resolves against the process cwd", () => {
    const next = ok(apply(makeConfig({ cwd: "/repo" }), { cwd: "repo2" }));
    expect(next.cwd).toBe("/srv/repo2");
    expect(next.fileSystemSandboxPolicy).toEqual(
      fsFromLegacySandboxPolicy(newWorkspaceWrite(), "/srv/repo2"),
    );
  });

  it("11: a disallowed approval policy fails the whole update", () => {
    const config = makeConfig({
      cwd: "/repo",
      approvalConstraint: constrainApprovalPolicy(["on-request"], {
        kind: "cloud_requirements",
      }) as Constrained<AskForApproval>,
    });
    const error = err(
      apply(config, { approvalPolicy: "never", sandboxPolicy: dangerFullAccess(), cwd: "/elsewhere" }),
    );
    expect(error.fieldName).toBe("approval_policy");
    expect(error.message).toBe(
      "invalid value for `approval_policy`: `Never` is not in the allowed set [OnRequest] (set by cloud requirements)",
    );
    expect(config.cwd).toBe("/repo");
    expect(config.sandboxPolicy.value).toEqual(newWorkspaceWrite());
  });
});

describe("apply: other fields and checklist items", () => {
  it("8: with both sandbox_policy and permission_profile the profile wins", () => {
    const next = ok(
      apply(makeConfig({ cwd: "/repo" }), {
        sandboxPolicy: dangerFullAccess(),
        permissionProfile: {
          network: null,
          file_system: { entries: [root("read")], glob_scan_max_depth: null },
        },
      }),
    );
    expect(next.sandboxPolicy.value).toEqual(newReadOnly());
    expect(next.fileSystemSandboxPolicy).toEqual(restrictedFsPolicy([root("read")]));
  });

  it("9: an error leaves the original configuration untouched", () => {
    const config = makeConfig({ cwd: "/repo" });
    const before = snapshot(config);
    err(
      apply(config, {
        cwd: "/other",
        permissionProfile: {
          network: null,
          file_system: { entries: [at("/data", "write")], glob_scan_max_depth: null },
        },
      }),
    );
    expect(snapshot(config)).toBe(before);
  });

  it("applies simple fields, tri-state service tier and client metadata; keeps unknown fields", () => {
    const config = { ...makeConfig({ cwd: "/repo" }), sessionExtra: 42 };
    const next = applySettingsUpdate(
      config,
      {
        reasoningSummary: "concise",
        serviceTier: null,
        personality: "pragmatic",
        approvalsReviewer: "guardian_subagent",
        windowsSandboxLevel: "elevated",
        approvalPolicy: "never",
        finalOutputJsonSchema: { type: "object" },
        collaborationMode: {
          mode: "plan",
          settings: { model: "m2", reasoningEffort: "high", developerInstructions: null },
        },
        appServerClientName: "vscode",
        appServerClientVersion: "1.2.3",
      },
      { processCwd: PROCESS_CWD },
    );
    if (!next.ok) throw next.error;
    expect(next.config).toMatchObject({
      reasoningSummary: "concise",
      serviceTier: null,
      personality: "pragmatic",
      approvalsReviewer: "guardian_subagent",
      windowsSandboxLevel: "elevated",
      appServerClientName: "vscode",
      appServerClientVersion: "1.2.3",
      sessionExtra: 42,
    });
    expect(next.config.approvalPolicy.value).toBe("never");
    expect(next.config.collaborationMode.settings.model).toBe("m2");
    expect(ok(apply(config, {})).serviceTier).toBe("flex");
  });

  it("keeps the old cwd with a warning when the new one cannot be resolved", () => {
    const warnings: string[] = [];
    const result = applySettingsUpdate(
      makeConfig({ cwd: "/repo" }),
      { cwd: "" },
      { processCwd: PROCESS_CWD, onWarning: (w) => warnings.push(w) },
    );
    expect(ok(result).cwd).toBe("/repo");
    expect(warnings).toEqual(["failed to resolve cwd ``; keeping /repo"]);
  });

  it("derives the permission profile from the runtime pair", () => {
    expect(sessionPermissionProfile(makeConfig({ cwd: "/repo", sandbox: newReadOnly() }))).toEqual({
      network: { enabled: false },
      file_system: { entries: [root("read")], glob_scan_max_depth: null },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

function snapshot(config: SessionConfiguration): string {
  return JSON.stringify({
    ...config,
    approvalPolicy: config.approvalPolicy.value,
    sandboxPolicy: config.sandboxPolicy.value,
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.getOwnPropertyNames(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

const denyEntryArb = fc.constantFrom<FileSystemSandboxEntry>(
  glob("**/*.env"),
  glob("/etc/*.pem"),
  at("/srv/private", "none"),
  at("/repo/secrets", "none"),
);
const grantEntryArb = fc.constantFrom<FileSystemSandboxEntry>(
  root("read"),
  root("write"),
  cwdEntry("write"),
  at("/repo/docs", "read"),
  at("/data", "write"),
);
const profileArb: fc.Arbitrary<PermissionProfile> = fc.record({
  network: fc.option(fc.record({ enabled: fc.option(fc.boolean()) })),
  file_system: fc.option(
    fc.record({
      entries: fc.array(fc.oneof(grantEntryArb, denyEntryArb), { maxLength: 5 }),
      glob_scan_max_depth: fc.option(fc.integer({ min: 1, max: 6 })),
    }),
  ),
});
const sandboxArb = fc.constantFrom<SandboxPolicy>(
  newReadOnly(),
  newWorkspaceWrite(),
  newWorkspaceWrite({ writable_roots: ["/data"], network_access: true, exclude_slash_tmp: true }),
  dangerFullAccess(),
  externalSandbox("restricted"),
  externalSandbox("enabled"),
);
const updateArb: fc.Arbitrary<SessionSettingsUpdate> = fc.oneof(
  profileArb.map((permissionProfile) => ({ permissionProfile })),
  sandboxArb.map((sandboxPolicy) => ({ sandboxPolicy })),
  fc.constantFrom("/repo", "/repo/sub", "sub", "/other").map((cwd) => ({ cwd })),
  fc.record({ cwd: fc.constantFrom("/repo", "/w"), sandboxPolicy: sandboxArb }),
  fc.record({ sandboxPolicy: sandboxArb, permissionProfile: profileArb }),
);
const initialArb = fc.record({
  sandbox: fc.constantFrom(newReadOnly(), newWorkspaceWrite()),
  denies: fc.array(denyEntryArb, { minLength: 1, maxLength: 3 }),
  depth: fc.option(fc.integer({ min: 1, max: 4 })),
});

describe("apply properties", () => {
  it("(a) never drops a deny-read entry except on a switch to a full-access legacy sandbox", () => {
    fc.assert(
      fc.property(
        initialArb,
        fc.array(updateArb, { maxLength: 8 }),
        ({ sandbox, denies, depth }, updates) => {
          const bridged = fsFromLegacySandboxPolicy(sandbox, "/repo");
          let config = makeConfig({
            cwd: "/repo",
            sandbox,
            fs: { ...bridged, glob_scan_max_depth: depth, entries: [...bridged.entries, ...denies] },
          });
          let expectedDenies: FileSystemSandboxEntry[] = [...denies];
          for (const update of updates) {
            const result = apply(config, update);
            if (!result.ok) continue;
            config = result.config;
            const fullAccessSwitch =
              update.permissionProfile === undefined &&
              (update.sandboxPolicy?.type === "danger-full-access" ||
                update.sandboxPolicy?.type === "external-sandbox");
            if (fullAccessSwitch) expectedDenies = [];
            else if (update.permissionProfile !== undefined) {
              expectedDenies = [
                ...expectedDenies,
                ...(update.permissionProfile.file_system?.entries ?? []).filter((e) => e.access === "none"),
              ];
            }
            for (const deny of expectedDenies) {
              expect(config.fileSystemSandboxPolicy.entries.some((e) => entriesEqual(e, deny))).toBe(true);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("(d) never mutates its input", () => {
    fc.assert(
      fc.property(initialArb, updateArb, ({ sandbox, denies, depth }, update) => {
        const bridged = fsFromLegacySandboxPolicy(sandbox, "/repo");
        const config = makeConfig({
          cwd: "/repo",
          sandbox,
          fs: { ...bridged, glob_scan_max_depth: depth, entries: [...bridged.entries, ...denies] },
        });
        const before = snapshot(config);
        deepFreeze(config);
        deepFreeze(update);
        apply(config, update);
        expect(snapshot(config)).toBe(before);
      }),
      { numRuns: 200 },
    );
  });
});
