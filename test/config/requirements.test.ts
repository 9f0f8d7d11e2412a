import { describe, expect, it } from "vitest";
import {
  buildConfigRequirementsReadResponse,
  loadRequirements,
  requirementsFileFromEnv,
} from "../../src/config/requirements.js";
import { newReadOnly, newWorkspaceWrite } from "../../src/permissions/index.js";
import { world, write } from "./helpers.js";

describe("requirements.toml", () => {
  it("locates the file through KEEL_REQUIREMENTS_FILE", () => {
    expect(requirementsFileFromEnv({})).toBe("/etc/keel/requirements.toml");
    expect(requirementsFileFromEnv({ KEEL_REQUIREMENTS_FILE: "/tmp/r.toml" })).toBe("/tmp/r.toml");
  });

  it("is optional: no file means allow-any with defaults and a null v2 body", () => {
    const w = world();
    const reqs = loadRequirements(w.requirements);
    expect(reqs.file).toBeNull();
    expect(reqs.approvalPolicy.value).toBe("on-request");
    expect(reqs.sandboxPolicy.canSet({ type: "danger-full-access" })).toBeNull();
    expect(buildConfigRequirementsReadResponse(reqs)).toEqual({ requirements: null });
  });

  it("parses every key and builds the configRequirements/read body", () => {
    const w = world();
    write(
      w.requirements,
      `allowed_approval_policies = ["on-request", "never"]
allowed_approvals_reviewers = ["user"]
allowed_sandbox_modes = ["read-only", "workspace-write"]
allowed_web_search_modes = ["cached"]
enforce_residency = "us"
[features]
web_search = false
[experimental_network]
enabled = true
http_port = 3128
allowed_domains = ["example.com"]
denied_domains = ["evil.test"]
allow_unix_sockets = ["/run/docker.sock"]
[rules]
prefix_rules = [{ pattern = [{ token = "rm" }], decision = "forbidden" }]
[mcp_servers.docs.identity]
command = "docs"
`,
    );
    const reqs = loadRequirements(w.requirements);
    expect(reqs.file).toBe(w.requirements);
    expect(reqs.approvalPolicy.value).toBe("on-request");
    expect(reqs.toml?.mcp_servers).toEqual({ docs: { identity: { command: "docs" } } });
    expect(buildConfigRequirementsReadResponse(reqs)).toEqual({
      requirements: {
        allowedApprovalPolicies: ["on-request", "never"],
        allowedApprovalsReviewers: ["user"],
        allowedSandboxModes: ["read-only", "workspace-write"],
        allowedWebSearchModes: ["cached", "disabled"],
        featureRequirements: { web_search: false },
        enforceResidency: "us",
        network: {
          enabled: true,
          httpPort: 3128,
          socksPort: null,
          allowUpstreamProxy: null,
          dangerouslyAllowNonLoopbackProxy: null,
          dangerouslyAllowAllUnixSockets: null,
          domains: { "example.com": "allow", "evil.test": "deny" },
          managedAllowedDomainsOnly: null,
          allowedDomains: ["example.com"],
          deniedDomains: ["evil.test"],
          unixSockets: { "/run/docker.sock": "allow" },
          allowUnixSockets: ["/run/docker.sock"],
          allowLocalBinding: null,
        },
      },
    });
  });

  it.each([
    [
      'allowed_sandbox_modes = ["workspace-write"]',
      (f: string) =>
        `invalid value for \`allowed_sandbox_modes\`: \`[WorkspaceWrite]\` is not in the allowed set must include 'read-only' to allow any SandboxPolicy (set by ${f})`,
    ],
    ["allowed_approval_policies = []", () => "field `allowed_approval_policies` cannot be empty"],
    [
      'allowed_approval_policies = ["sometimes"]',
      (f: string) =>
        `${f}: unknown value \`sometimes\` for \`allowed_approval_policies.0\`; expected one of \`untrusted\`, \`on-failure\`, \`on-request\`, \`never\`, a table`,
    ],
    [
      '[rules]\nprefix_rules = [{ pattern = [{ token = "ls" }], decision = "allow" }]',
      (f: string) =>
        `invalid rules in requirements (set by ${f}): prefix_rules[0]: decision \`allow\` is not permitted in requirements`,
    ],
    [
      '[experimental_network]\ndomains = { "a.com" = "allow" }\nallowed_domains = ["b.com"]',
      (f: string) => `${f}: invalid value for \`experimental_network\`: use either \`domains\``,
    ],
    ["allowed_sandbox_modes = [\n", (f: string) => `${f}:3:1: TOML syntax error: invalid value`],
  ])("rejects %j precisely", (toml, message) => {
    const w = world();
    write(w.requirements, `${toml}\n`);
    expect(() => loadRequirements(w.requirements)).toThrow(message(w.requirements));
  });
});

describe("requirements at config load", () => {
  it("downgrades a disallowed sandbox with the exact warning text", () => {
    const w = world();
    write(w.requirements, 'allowed_sandbox_modes = ["read-only"]\n');
    w.user('sandbox_mode = "workspace-write"\n');
    const loaded = w.load();
    expect(loaded.sandboxPolicy.value).toEqual(newReadOnly());
    expect(loaded.networkSandboxPolicy).toBe("restricted");
    expect(loaded.fileSystemSandboxPolicy.entries).toEqual([
      { path: { type: "special", value: { kind: "root" } }, access: "read" },
    ]);
    expect(loaded.startupWarnings).toEqual([
      "Configured value for `sandbox_mode` is disallowed by requirements; falling back to required value " +
        "ReadOnly { access: FullAccess, network_access: false }. Details: invalid value for `sandbox_mode`: " +
        `\`WorkspaceWrite\` is not in the allowed set [ReadOnly] (set by ${w.requirements})`,
    ]);
  });

  it("constrains typed overrides too, and keeps deny entries of a downgraded profile", () => {
    const w = world();
    write(
      w.requirements,
      'allowed_sandbox_modes = ["read-only"]\nallowed_approval_policies = ["untrusted", "on-request"]\n',
    );
    w.user(
      'default_permissions = "p"\n[permissions.p]\nextends = ":workspace"\n[permissions.p.filesystem]\n"/srv/secret" = "deny"\n',
    );
    const loaded = w.load({ overrides: { approvalPolicy: "never" } });
    expect(loaded.approvalPolicy.value).toBe("untrusted");
    expect(loaded.sandboxPolicy.value).toEqual(newReadOnly());
    expect(loaded.activePermissionProfile).toBeNull();
    expect(loaded.fileSystemSandboxPolicy.entries).toContainEqual({
      path: { type: "path", path: "/srv/secret" },
      access: "none",
    });
    expect(loaded.startupWarnings).toContain(
      "Configured value for `approval_policy` is disallowed by requirements; falling back to required value UnlessTrusted. " +
        `Details: invalid value for \`approval_policy\`: \`Never\` is not in the allowed set [UnlessTrusted, OnRequest] (set by ${w.requirements})`,
    );
    const allowed = w.load({ overrides: { sandboxMode: "read-only", approvalPolicy: "on-request" } });
    expect(allowed.startupWarnings).toEqual([]);
  });

  it("falls back silently when only the default is disallowed", () => {
    const w = world();
    write(
      w.requirements,
      'allowed_approval_policies = ["never"]\nallowed_sandbox_modes = ["read-only", "workspace-write"]\n',
    );
    const loaded = w.load();
    expect(loaded.approvalPolicy.value).toBe("never");
    expect(loaded.startupWarnings).toEqual([]);
    expect(w.load({ overrides: { sandboxMode: "workspace-write" } }).sandboxPolicy.value).toEqual(
      newWorkspaceWrite(),
    );
  });

  it("pins features", () => {
    const w = world();
    write(w.requirements, "[features]\nweb_search = false\n");
    w.user("[features]\nweb_search = true\nundo = true\n");
    const loaded = w.load();
    expect(loaded.features).toEqual({ web_search: false, undo: true });
    expect(loaded.startupWarnings[0]).toMatch(
      /^Configured value for `features.web_search` is disallowed by requirements/,
    );
  });
});
