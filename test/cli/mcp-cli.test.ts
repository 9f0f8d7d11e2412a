import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.js";

/**
 * `keel mcp list|get|add|remove` against what the real Codex 0.169 printed and wrote for the same
 * steps (test/fixtures/codex-mcp-cli: scenario.json, captured by capture.mjs into codex-0.169.json).
 */

const bin = path.resolve(import.meta.dirname, "../../bin/keel");
const fixtures = path.resolve(import.meta.dirname, "../fixtures/codex-mcp-cli");

type Step = { write: string } | { read: true } | { run: string[] };
type CodexResult =
  | { write: true }
  | { file: string }
  | { args: string[]; status: number; stdout: string; stderr: string };

const steps = JSON.parse(fs.readFileSync(path.join(fixtures, "scenario.json"), "utf8")) as Step[];
const codex = JSON.parse(fs.readFileSync(path.join(fixtures, "codex-0.169.json"), "utf8")) as CodexResult[];

function keelHome() {
  const root = tempDir();
  const home = path.join(root, "keel-home");
  const cwd = path.join(root, "cwd");
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(cwd, { recursive: true });
  const run = (args: string[]) =>
    spawnSync(bin, args, {
      cwd,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        HOME: root,
        TMPDIR: "/tmp",
        KEEL_HOME: home,
        KEEL_SYSTEM_CONFIG_FILE: path.join(root, "none.toml"),
        KEEL_REQUIREMENTS_FILE: path.join(root, "none-req.toml"),
      },
    });
  return { config: path.join(home, "config.toml"), run };
}

const asKeel = (text: string) => text.replaceAll("codex mcp", "keel mcp");

describe("keel mcp matches codex mcp 0.169", () => {
  it("prints, writes and exits as Codex did, step by step", () => {
    const { config, run } = keelHome();
    for (const [index, step] of steps.entries()) {
      const expected = codex[index];
      if ("write" in step) {
        fs.writeFileSync(config, step.write);
        continue;
      }
      if ("read" in step) {
        const want = expected as { file: string };
        expect(fs.readFileSync(config, "utf8"), `step ${index}: config.toml`).toBe(want.file);
        continue;
      }
      const label = `step ${index}: ${step.run.join(" ")}`;
      const want = expected as { status: number; stdout: string; stderr: string };
      const got = run(step.run);
      expect(got.stderr, label).not.toMatch(/\n\s+at /);
      if (want.status === 2) {
        // A usage error (clap's wording differs from commander's): refused, nothing on stdout.
        expect(got.status, label).not.toBe(0);
        expect(got.stdout, label).toBe("");
        expect(got.stderr, label).toMatch(/^error: /);
        continue;
      }
      expect(got.status, label).toBe(want.status);
      if (want.status !== 0) {
        const message = want.stderr.replace(/^Error: /, "").trim();
        const reason = message.includes("Caused by:") ? "invalid transport\nin `mcp_servers.bad`" : message;
        expect(got.stderr, label).toBe(`keel: ${reason}\n`);
        continue;
      }
      // Codex prints env maps in HashMap order: compare JSON as data, and durations as written
      // (floats: `10.0`).
      if (step.run.includes("--json")) {
        const durations = (text: string) => text.split("\n").filter((line) => line.includes('_sec": '));
        expect(durations(got.stdout), label).toEqual(durations(want.stdout));
        expect(JSON.parse(got.stdout), label).toEqual(JSON.parse(want.stdout));
        continue;
      }
      expect(got.stdout, label).toBe(asKeel(want.stdout));
    }
    // Dozens of keel processes in a row: slow on a busy machine, not a speed test.
  }, 120_000);
});

describe("keel mcp beyond the captured steps", () => {
  it("list and get see -c overrides; add and remove never touch other lines", () => {
    const { config, run } = keelHome();
    fs.writeFileSync(config, '# mine\n[mcp_servers.a]   # first\ncommand = "a"\n\n# keep me\n[z]\nk = 1\n');
    const listed = run(["mcp", "list", "--json", "-c", 'mcp_servers.extra.url="http://x"']);
    expect(JSON.parse(listed.stdout).map((s: { name: string }) => s.name)).toEqual(["a", "extra"]);
    expect(run(["mcp", "get", "extra", "-c", 'mcp_servers.extra.url="http://x"']).stdout).toContain(
      "url: http://x",
    );
    expect(run(["mcp", "add", "b", "--", "b"]).status).toBe(0);
    expect(run(["mcp", "remove", "a"]).status).toBe(0);
    expect(fs.readFileSync(config, "utf8")).toBe(
      '# mine\n# keep me\n[z]\nk = 1\n\n[mcp_servers.b]\ncommand = "b"\n',
    );
  });

  it("rejects a malformed --env pair with Codex's reason and exit code 2", () => {
    const { run } = keelHome();
    const got = run(["mcp", "add", "ok", "--env", "=v", "--", "x"]);
    expect(got.status).toBe(2);
    expect(got.stderr).toContain("environment entries must be in KEY=VALUE form");
  });
});
