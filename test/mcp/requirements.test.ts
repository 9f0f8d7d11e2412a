import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildRequirements } from "../../src/config/requirements.js";
import { applyMcpServerRequirements } from "../../src/mcp/requirements.js";
import { keel, setup } from "../exec/support.js";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { fixtureToml, logFile, readLog } from "./fixture.js";

/**
 * requirements.toml `[mcp_servers.NAME.identity]` is an allow-list (as in Codex 0.169): a server
 * runs only when its name is listed with the same stdio command or URL; every other configured
 * server is disabled, and `keel mcp list` says why.
 */

function requirementsFile(body: string): string {
  const file = path.join(tempDir("keel-req-"), "requirements.toml");
  fs.writeFileSync(file, body);
  return file;
}

describe("requirements.toml [mcp_servers] allow-list", () => {
  it("never starts a server the requirements do not allow, nor offers its tools", async () => {
    const allowedLog = logFile();
    const blockedLog = logFile();
    const s = await setup({
      topLevel: { approval_policy: "never", sandbox_mode: "danger-full-access" },
      providerExtra: `\n${fixtureToml("allowed", ["--log", allowedLog], "required = true")}\n${fixtureToml(
        "blocked",
        ["--log", blockedLog],
        "required = true",
      )}\n${fixtureToml("renamed", ["--log", blockedLog])}`,
    });
    // `blocked` is not listed; `renamed` is listed but under another command.
    const req = requirementsFile(
      `[mcp_servers.allowed.identity]\ncommand = ${JSON.stringify(process.execPath)}\n` +
        `[mcp_servers.renamed.identity]\ncommand = "/usr/bin/some-other-server"\n`,
    );
    s.server.enqueue(turn([functionCall("echo", { text: "hi" }, "c1", "mcp__allowed")]), textTurn("done"));
    const r = await keel(["exec", "--json", "--skip-git-repo-check", "go"], {
      cwd: s.repo,
      env: { ...s.env, KEEL_REQUIREMENTS_FILE: req },
    });
    expect(r.code, r.stderr).toBe(0);
    const body = s.server.requests.find((q) => q.path.endsWith("/responses"))!.body as {
      tools: { name?: string }[];
    };
    const names = body.tools.map((t) => t.name);
    expect(names).toContain("mcp__allowed");
    expect(names.filter((n) => n?.includes("blocked") || n?.includes("renamed"))).toEqual([]);
    expect(readLog(allowedLog).some((e) => e.method === "tools/call")).toBe(true);
    expect(readLog(blockedLog)).toEqual([]);
  });

  it("keel mcp list and get show the disabled reason as Codex does", async () => {
    const s = await setup();
    fs.appendFileSync(
      path.join(s.home, "config.toml"),
      '\n[mcp_servers.good]\ncommand = "node"\nargs = ["x.js"]\n[mcp_servers.bad]\ncommand = "python3"\n' +
        '[mcp_servers.web]\nurl = "http://127.0.0.1:9/mcp"\n[mcp_servers.wrongurl]\nurl = "http://127.0.0.1:9/other"\n',
    );
    const req = requirementsFile(
      '[mcp_servers.good.identity]\ncommand = "node"\n[mcp_servers.web.identity]\nurl = "http://127.0.0.1:9/mcp"\n' +
        '[mcp_servers.wrongurl.identity]\nurl = "http://127.0.0.1:9/mcp"\n',
    );
    const env = { ...s.env, KEEL_REQUIREMENTS_FILE: req };
    const reason = `requirements (${req})`;
    const list = await keel(["mcp", "list"], { cwd: s.repo, env });
    expect(list.code, list.stderr).toBe(0);
    const row = (name: string) => list.stdout.split("\n").find((l) => l.startsWith(`${name} `)) ?? "";
    expect(row("bad")).toContain(`disabled: ${reason}`);
    expect(row("wrongurl")).toContain(`disabled: ${reason}`);
    expect(row("good")).toMatch(/ enabled /);
    expect(row("web")).toMatch(/ enabled /);
    const json = JSON.parse((await keel(["mcp", "list", "--json"], { cwd: s.repo, env })).stdout) as {
      name: string;
      enabled: boolean;
      disabled_reason: string | null;
    }[];
    expect(json.map((v) => [v.name, v.enabled, v.disabled_reason])).toEqual([
      ["bad", false, reason],
      ["good", true, null],
      ["web", true, null],
      ["wrongurl", false, reason],
    ]);
    const get = await keel(["mcp", "get", "bad"], { cwd: s.repo, env });
    expect(get.stdout).toBe(`bad (disabled: ${reason})\n`);
  });

  it("rejects a requirements entry without a command or url identity", async () => {
    const s = await setup();
    const req = requirementsFile('[mcp_servers.x.identity]\nname = "x"\n');
    const r = await keel(["mcp", "list"], { cwd: s.repo, env: { ...s.env, KEEL_REQUIREMENTS_FILE: req } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(req);
    expect(r.stderr).toContain("mcp_servers");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("a server stays enabled only if it was enabled, is listed, and has the listed identity", () => {
    const name = fc.constantFrom("a", "b", "c");
    const identity = fc.oneof(
      fc.record({ command: fc.constantFrom("node", "python3") }),
      fc.record({ url: fc.constantFrom("http://x/mcp", "http://y/mcp") }),
    );
    const table = fc.oneof(
      fc.record({ command: fc.constantFrom("node", "python3"), enabled: fc.boolean() }),
      fc.record({ url: fc.constantFrom("http://x/mcp", "http://y/mcp"), enabled: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.dictionary(name, table), fc.dictionary(name, identity), (servers, allow) => {
        const requirements = buildRequirements({
          file: "/etc/keel/requirements.toml",
          toml: {
            mcp_servers: Object.fromEntries(Object.entries(allow).map(([k, v]) => [k, { identity: v }])),
          },
        });
        const out = applyMcpServerRequirements(servers, requirements);
        expect(Object.keys(out.servers)).toEqual(Object.keys(servers));
        for (const [n, t] of Object.entries(servers) as [
          string,
          { command?: string; url?: string; enabled: boolean },
        ][]) {
          const id = allow[n];
          const matches =
            id !== undefined &&
            ("command" in id
              ? t.command === id.command && !("url" in t)
              : t.url === id.url && !("command" in t));
          const enabled = out.servers[n]!.enabled !== false;
          expect(enabled).toBe(matches && t.enabled);
          expect(out.disabledReasons[n] !== undefined).toBe(!matches);
        }
      }),
    );
  });
});
