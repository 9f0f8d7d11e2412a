import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { textTurn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { keel as keelAsync, setup as execSetup } from "../exec/support.js";

const bin = path.resolve(import.meta.dirname, "../../bin/keel");

/** A keel home, an empty system config and a git repository; `keel` runs bin/keel synchronously. */
function world() {
  const root = tempDir();
  const home = path.join(root, "keel-home");
  const repo = path.join(root, "repo");
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(path.join(repo, ".git"), { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: root,
    TMPDIR: "/tmp",
    KEEL_HOME: home,
    KEEL_SYSTEM_CONFIG_FILE: path.join(root, "none.toml"),
    KEEL_REQUIREMENTS_FILE: path.join(root, "none-requirements.toml"),
  };
  const userConfig = path.join(home, "config.toml");
  return {
    root,
    home,
    repo,
    env,
    userConfig,
    user: (text: string) => fs.writeFileSync(userConfig, text),
    keel: (args: string[], extraEnv: Record<string, string> = {}) =>
      spawnSync(bin, args, { cwd: repo, encoding: "utf8", env: { ...env, ...extraEnv }, input: "" }),
  };
}

const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

const READ_ETC = { path: { type: "path", path: "/etc" }, access: "read" };
const READ_ROOT = { path: { type: "special", value: { kind: "root" } }, access: "read" };

describe("--permission-profile takes both spellings and rejects unknown keys", () => {
  const core = JSON.stringify({ network: { enabled: false }, file_system: { entries: [READ_ETC] } });
  const wire = JSON.stringify({ network: { enabled: false }, fileSystem: { entries: [READ_ETC] } });

  it("`keel permissions explain` gives the same verdict for the core and the wire spelling", () => {
    const w = world();
    const verdicts = [core, wire].map((profile) => {
      const run = w.keel([
        "permissions",
        "explain",
        "/etc/hostname",
        "--permission-profile",
        profile,
        "--json",
      ]);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      return JSON.parse(run.stdout) as { read: boolean; write: boolean };
    });
    expect(verdicts[0]).toMatchObject({ read: true, write: false });
    expect(verdicts[1]).toEqual(verdicts[0]);
  });

  it("`keel sandbox` runs a command under either spelling with the same result", () => {
    const w = world();
    const outputs = [
      JSON.stringify({ file_system: { entries: [READ_ROOT] } }),
      JSON.stringify({ fileSystem: { entries: [READ_ROOT] } }),
    ].map((profile) => {
      const run = w.keel(["sandbox", "--permission-profile", profile, "--", "cat", "/etc/hostname"]);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      return run.stdout;
    });
    expect(outputs[0]).toBe(fs.readFileSync("/etc/hostname", "utf8"));
    expect(outputs[1]).toBe(outputs[0]);
  });

  it('`{"bogus":1}` is an error naming `bogus`, never an empty deny-everything profile', () => {
    const w = world();
    const explain = w.keel(["permissions", "explain", ".", "--permission-profile", '{"bogus":1}']);
    expect(explain.status).toBe(2);
    expect(explain.stdout).toBe("");
    expect(explain.stderr).toBe(
      "keel: --permission-profile: unknown key `bogus`; expected `network` and `file_system` (or `fileSystem`)\n",
    );
    const sandbox = w.keel(["sandbox", "--permission-profile", '{"bogus":1}', "--", "true"]);
    // keel sandbox reports every failure to set the command up with 125 (the command did not run).
    expect(sandbox.status).toBe(125);
    expect(sandbox.stderr).toContain("unknown key `bogus`");
    const nested = w.keel(["sandbox", "--permission-profile", '{"fileSystem":{"entrys":[]}}', "--", "true"]);
    expect(nested.status).toBe(125);
    expect(nested.stderr).toContain("unknown key `entrys` in `fileSystem`");
    noStack(explain.stderr + sandbox.stderr + nested.stderr);
  });
});

const BROKEN_PROVIDER =
  'model = "m"\n\n[model_providers.broken]\nbase_url = "http://127.0.0.1:9/v1"\nwire_api = "grpc"\n';
const PROVIDER_ERROR =
  "5:1: unknown value `grpc` for `model_providers.broken.wire_api`; expected one of `responses`, `chat`";

describe("[model_providers.*] errors", () => {
  it("name the file, line and column, and list the allowed values, when the provider is used", () => {
    const w = world();
    w.user(BROKEN_PROVIDER);
    const run = w.keel(["exec", "-c", 'model_provider="broken"', "hi"]);
    expect(run.stderr).toBe(`keel: ${w.userConfig}:${PROVIDER_ERROR}\n`);
    expect(run.status).toBe(1);
  });

  it("do not stop commands that need no model", () => {
    const w = world();
    w.user(BROKEN_PROVIDER);
    const debug = w.keel(["debug", "config"]);
    expect(debug.stderr).toBe("");
    expect(debug.status).toBe(0);
    expect(JSON.parse(debug.stdout).effective.model_provider.value).toBe("openai");
    const sandbox = w.keel(["sandbox", "--sandbox", "read-only", "--", "true"]);
    expect(sandbox.stderr).toBe("");
    expect(sandbox.status).toBe(0);
    const explain = w.keel(["permissions", "explain", "src", "--sandbox", "workspace-write", "--json"]);
    expect(explain.stderr).toBe("");
    expect(explain.status).toBe(0);
    // Selecting the broken provider shows why in the report instead of failing it.
    const selected = w.keel(["debug", "config", "-c", 'model_provider="broken"']);
    expect(selected.status).toBe(0);
    expect(JSON.parse(selected.stdout).effective.model_provider).toMatchObject({
      value: "broken",
      info: null,
      error: `${w.userConfig}:${PROVIDER_ERROR}`,
    });
  });

  it("a provider without `name` works and is shown under its id", async () => {
    const s = await execSetup();
    const toml = fs.readFileSync(path.join(s.home, "config.toml"), "utf8");
    fs.writeFileSync(path.join(s.home, "config.toml"), toml.replace(/^name = .*\n/m, ""));
    s.server.enqueue(textTurn("answer"));
    const r = await keelAsync(["exec", "hi"], { cwd: s.repo, env: s.env });
    expect(r.stderr).toContain("provider: mock_provider");
    expect(r.stdout).toBe("answer\n");
    expect(r.code).toBe(0);
  });
});

describe("unrecognized config keys", () => {
  const UNKNOWN = 'model = "mock-model"\nbogus_top = 1\n';

  it("keel exec prints Codex's warning once, with the count and the keys", async () => {
    const s = await execSetup({ topLevel: { bogus_top: "1", another_bad: "x" } });
    const toml = fs.readFileSync(path.join(s.home, "config.toml"), "utf8");
    // Nested tables Codex knows or leaves unchecked are not flagged.
    fs.writeFileSync(
      path.join(s.home, "config.toml"),
      `${toml}\n[tui]\nnot_checked = 1\n[mcp_servers.m]\nenabled = false\ncommand = "true"\nweird = 1\n[projects."/x"]\ntrust_level = "trusted"\n`,
    );
    s.server.enqueue(textTurn("ok"));
    const r = await keelAsync(["exec", "hi"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    const config = path.join(s.home, "config.toml");
    const warning = [
      "warning: keel is ignoring 3 unrecognized configuration settings. Check for typos or deprecated settings.",
      `  user (${config}): \`another_bad\` is ignored.`,
      `  user (${config}): \`bogus_top\` is ignored.`,
      `  user (${config}): \`mcp_servers.m.weird\` is ignored.`,
    ].join("\n");
    expect(r.stderr).toContain(`${warning}\n`);
    expect(r.stderr.split("unrecognized configuration").length - 1).toBe(1);
  });

  it("--strict-config makes the first one an error, as Codex reports it (exit 1)", () => {
    const w = world();
    w.user(`${UNKNOWN}another_bad = 2\n`);
    const run = w.keel(["exec", "--strict-config", "hi"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `keel: ${w.userConfig}:2:1: unknown configuration field \`bogus_top\`\n  |\n2 | bogus_top = 1\n  | ^^^^^^^^^\n`,
    );
  });
});

describe("KEEL_HOME pointing at a file", () => {
  it("stops with one message naming the path and the fix, and leaves the file alone", () => {
    const w = world();
    const file = path.join(w.root, "not-a-dir");
    fs.writeFileSync(file, "precious\n");
    const message = `keel: KEEL_HOME \`${file}\` is not a directory. Set KEEL_HOME to a directory (it is created if missing), or unset it to use ~/.keel. Nothing was read from or written to that path.\n`;
    for (const args of [["exec", "hi"], ["debug", "config"], ["app-server"]]) {
      const run = w.keel(args, { KEEL_HOME: file });
      expect(run.stderr).toBe(message);
      expect(run.status).toBe(2);
    }
    expect(fs.readFileSync(file, "utf8")).toBe("precious\n");
  });
});
