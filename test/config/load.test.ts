import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ON_FAILURE_DEPRECATION_WARNING } from "../../src/config/effective-permissions.js";
import { setProjectTrust } from "../../src/config/project-trust.js";
import { buildConfigReadResponse } from "../../src/config/report.js";
import { OPENAI_DEFAULT_MODEL } from "../../src/config/default-model.js";
import { buildSessionConfiguration } from "../../src/config/session-config.js";
import { newReadOnly, newWorkspaceWrite } from "../../src/permissions/index.js";
import { world, write } from "./helpers.js";

describe("loadConfig precedence", () => {
  it("typed overrides beat -c, which beats every file", () => {
    const w = world();
    write(w.system, 'model = "system"\napproval_policy = "never"\n');
    w.user('model = "user"\n');
    expect(w.load().model).toEqual({ value: "user", source: { type: "user", file: w.userConfig } });
    expect(w.load({ cliOverrides: ["model=cli"] }).model).toEqual({
      value: "cli",
      source: { type: "sessionFlags" },
    });
    const typed = w.load({
      cliOverrides: ["model=cli", "approval_policy=untrusted"],
      overrides: { model: "typed", approvalPolicy: "on-request" },
    });
    expect(typed.model.value).toBe("typed");
    expect(typed.approvalPolicy.value).toBe("on-request");
    expect(w.load().approvalPolicy.value).toBe("never");
    expect(w.load().approvalPolicySource).toEqual({ type: "system", file: w.system });
  });

  it("a selected config profile sits between typed overrides and top-level keys", () => {
    const w = world();
    w.user(
      'model = "top"\nprofile = "fast"\n[profiles.fast]\nmodel = "fast-model"\nmodel_reasoning_effort = "low"\n[profiles.deep]\nmodel = "deep-model"\nsandbox_mode = "danger-full-access"\n',
    );
    const fast = w.load({ cliOverrides: ["model=from-c"] });
    expect(fast.configProfile).toBe("fast");
    expect(fast.model.value).toBe("fast-model");
    expect(fast.modelReasoningEffort.value).toBe("low");
    const deep = w.load({ overrides: { profile: "deep" } });
    expect(deep.model.value).toBe("deep-model");
    expect(deep.sandboxPolicy.value).toEqual({ type: "danger-full-access" });
    expect(deep.activePermissionProfile).toBeNull();
    expect(w.load({ overrides: { profile: "deep", model: "typed" } }).model.value).toBe("typed");
    expect(() => w.load({ overrides: { profile: "nope" } })).toThrow("config profile `nope` not found");
  });

  it("resolves the cwd override against the process cwd and rejects a missing directory", () => {
    const w = world();
    fs.mkdirSync(path.join(w.repo, "sub"));
    expect(w.load({ overrides: { cwd: "sub" } }).cwd).toBe(path.join(w.repo, "sub"));
    expect(() => w.load({ overrides: { cwd: "missing" } })).toThrow(/does not exist/);
  });

  it("merges built-in and configured model providers", () => {
    const w = world();
    w.user(
      'model_provider = "local"\n[model_providers.local]\nname = "Local"\nbase_url = "http://127.0.0.1:9/v1"\n',
    );
    const loaded = w.load();
    expect(loaded.modelProviderId.value).toBe("local");
    expect(loaded.modelProvider.base_url).toBe("http://127.0.0.1:9/v1");
    expect(loaded.modelProviders.ids()).toEqual(expect.arrayContaining(["openai", "ollama", "local"]));
    expect(w.load({ overrides: { modelProvider: "openai" } }).modelProvider.name).toBe("OpenAI");
  });

  it("keeps unknown keys and passes mcp_servers through", () => {
    const w = world();
    w.user('future_key = 1\n[mcp_servers.docs]\ncommand = "docs-mcp"\nargs = ["--stdio"]\n');
    const loaded = w.load();
    expect(loaded.toml.future_key).toBe(1);
    expect(loaded.mcpServers).toEqual({ docs: { command: "docs-mcp", args: ["--stdio"] } });
  });

  it("reads model_instructions_file as base instructions", () => {
    const w = world();
    write(path.join(w.userHome, "prompt.md"), "You are terse.");
    w.user('model_instructions_file = "~/prompt.md"\n');
    expect(w.load().baseInstructions.value).toBe("You are terse.");
    w.user('model_instructions_file = "/nonexistent/prompt.md"\n');
    expect(() => w.load()).toThrow(
      `${w.userConfig}: cannot read model_instructions_file \`/nonexistent/prompt.md\``,
    );
  });

  it("reads model_catalog_json relative to the config file's folder, with precise errors", () => {
    const w = world();
    write(path.join(w.home, "models", "catalog.json"), JSON.stringify({ models: [{ slug: "house" }] }));
    w.user('model_catalog_json = "models/catalog.json"\n');
    const loaded = w.load();
    expect(loaded.modelCatalogJson.value).toBe(path.join(w.home, "models", "catalog.json"));
    expect(loaded.modelCatalog.list().map((m) => m.slug)).toEqual(["house"]);
    expect(w.load({ cliOverrides: [] }).modelCatalog.resolve("house").known).toBe(true);

    w.user('model_catalog_json = "missing.json"\n');
    expect(() => w.load()).toThrow(
      `${w.userConfig}: cannot read model_catalog_json \`${path.join(w.home, "missing.json")}\``,
    );
    write(path.join(w.home, "bad.json"), JSON.stringify({ models: [{ slug: "x", context_window: -1 }] }));
    w.user('model_catalog_json = "bad.json"\n');
    expect(() => w.load()).toThrow(/bad\.json` is not a model catalog at models\.0\.context_window: /);
  });

  it("uses the built-in catalog without model_catalog_json", () => {
    const w = world();
    w.user('model = "gpt-5.5"\n');
    expect(w.load().modelCatalog.resolve("gpt-5.5").displayName).toBe("GPT-5.5");
  });
});

describe("effective sandbox and approval defaults (§9.3)", () => {
  it.each([
    [null, "read-only", "on-request", ":read-only"],
    ["trusted", "workspace-write", "on-request", ":workspace"],
    ["untrusted", "workspace-write", "untrusted", ":workspace"],
  ] as const)("trust %s → %s / %s / %s", (trust, sandbox, approval, profile) => {
    const w = world();
    if (trust) setProjectTrust(w.home, w.repo, trust);
    const loaded = w.load();
    expect(loaded.sandboxPolicy.value).toEqual(sandbox === "read-only" ? newReadOnly() : newWorkspaceWrite());
    expect(loaded.approvalPolicy.value).toBe(approval);
    expect(loaded.activePermissionProfile).toEqual({ id: profile, extends: null });
    expect(loaded.permissions.choice).toBe("trustDefault");
  });

  it("uses [sandbox_workspace_write] for the implicit workspace profile", () => {
    const w = world();
    setProjectTrust(w.home, w.repo, "trusted");
    fs.appendFileSync(
      w.userConfig,
      '[sandbox_workspace_write]\nwritable_roots = ["~/cache"]\nnetwork_access = true\n',
    );
    const loaded = w.load();
    expect(loaded.sandboxPolicy.value).toEqual(
      newWorkspaceWrite({ writable_roots: [path.join(w.userHome, "cache")], network_access: true }),
    );
    expect(loaded.networkSandboxPolicy).toBe("enabled");
    expect(loaded.activePermissionProfile).toBeNull();
  });

  it("explicit sandbox_mode beats the trust default; the highest layer picks the syntax", () => {
    const w = world();
    w.user('default_permissions = ":danger-full-access"\n');
    setProjectTrust(w.home, w.repo, "trusted");
    expect(w.load().sandboxPolicy.value).toEqual({ type: "danger-full-access" });
    expect(w.load().activePermissionProfile).toEqual({ id: ":danger-full-access", extends: null });
    const legacy = w.load({ cliOverrides: ["sandbox_mode=read-only"] });
    expect(legacy.sandboxPolicy.value).toEqual(newReadOnly());
    expect(legacy.permissions).toMatchObject({ choice: "sandboxMode", source: { type: "sessionFlags" } });
    expect(legacy.activePermissionProfile).toBeNull();
  });

  it("warns about the deprecated on-failure policy", () => {
    const w = world();
    w.user('approval_policy = "on-failure"\n');
    const loaded = w.load();
    expect(loaded.approvalPolicy.value).toBe("on-failure");
    expect(loaded.startupWarnings).toEqual([ON_FAILURE_DEPRECATION_WARNING]);
  });

  it("rejects conflicting typed permission overrides", () => {
    const w = world();
    expect(() => w.load({ overrides: { sandboxMode: "read-only", permissions: ":workspace" } })).toThrow(
      "`sandbox_mode` and `permissions` overrides cannot both be set",
    );
    expect(() =>
      w.load({
        overrides: { sandboxMode: "read-only", permissionProfile: { network: null, file_system: null } },
      }),
    ).toThrow("`sandbox_mode` and `permission_profile` overrides cannot both be set");
  });

  it("applies a permission profile override and fails on an unprojectable one", () => {
    const w = world();
    const loaded = w.load({
      overrides: {
        permissionProfile: {
          network: { enabled: true },
          file_system: {
            entries: [{ path: { type: "special", value: { kind: "root" } }, access: "write" }],
            glob_scan_max_depth: null,
          },
        },
      },
    });
    expect(loaded.sandboxPolicy.value).toEqual({ type: "danger-full-access" });
    expect(loaded.fileSystemSandboxPolicy.kind).toBe("restricted");
    expect(() =>
      w.load({
        overrides: {
          permissionProfile: {
            network: null,
            file_system: {
              entries: [{ path: { type: "path", path: "/data" }, access: "write" }],
              glob_scan_max_depth: null,
            },
          },
        },
      }),
    ).toThrow("permissions profile requests filesystem writes outside the workspace root");
  });
});

describe("config/read response", () => {
  it("returns the merged config, per-key origins and the layers highest first", () => {
    const w = world();
    write(w.system, 'model = "sys"\n[features]\nx = true\n');
    const loaded = w.load({ cliOverrides: ["features.y=false"] });
    const response = buildConfigReadResponse(loaded, true);
    expect(response.config).toMatchObject({
      model: "sys",
      model_provider: "openai",
      features: { x: true, y: false },
    });
    expect(response.origins["features.y"]?.name).toEqual({ type: "sessionFlags" });
    expect(response.layers?.map((l) => l.name.type)).toEqual(["sessionFlags", "user", "system"]);
    expect(response.layers?.[2]).toMatchObject({ config: { model: "sys" }, disabledReason: null });
    expect(buildConfigReadResponse(loaded, false).layers).toBeNull();
  });
});

describe("SessionConfiguration", () => {
  it("is built from the loaded config with independent constrained values", () => {
    const w = world();
    w.user('model = "m1"\ndeveloper_instructions = "be careful"\n');
    setProjectTrust(w.home, w.repo, "trusted");
    const loaded = w.load();
    const session = buildSessionConfiguration(loaded, { defaultBaseInstructions: "BASE" });
    expect(session.collaborationMode.settings).toEqual({
      model: "m1",
      reasoningEffort: null,
      // The config's developer_instructions are sent once, on their own (not as a mode's text).
      developerInstructions: null,
    });
    expect(session.developerInstructions).toBe("be careful");
    expect(session.baseInstructions).toBe("BASE");
    expect(session.cwd).toBe(w.repo);
    expect(session.fileSystemSandboxPolicy).toBe(loaded.fileSystemSandboxPolicy);
    session.approvalPolicy.set("never");
    expect(loaded.approvalPolicy.value).toBe("on-request");
    const noModel = world();
    expect(
      buildSessionConfiguration(noModel.load(), { defaultBaseInstructions: "", defaultModel: "d" })
        .collaborationMode.settings.model,
    ).toBe("d");
  });

  it("falls back to the openai provider's default model and requires one elsewhere", () => {
    const openai = world();
    expect(
      buildSessionConfiguration(openai.load(), { defaultBaseInstructions: "" }).collaborationMode.settings
        .model,
    ).toBe(OPENAI_DEFAULT_MODEL);
    const custom = world();
    custom.user(
      'model_provider = "local"\n[model_providers.local]\nname = "Local"\nbase_url = "http://127.0.0.1:1/v1"\n',
    );
    expect(() => buildSessionConfiguration(custom.load(), { defaultBaseInstructions: "" })).toThrow(
      "no model configured for model provider `local`: set `model` in config.toml or pass one",
    );
    custom.user('model_provider = "local"\nmodel = "m"\n[model_providers.local]\nname = "Local"\n');
    expect(
      buildSessionConfiguration(custom.load(), { defaultBaseInstructions: "" }).collaborationMode.settings
        .model,
    ).toBe("m");
  });
});
