import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  entry,
  KEEL_BIN,
  keelSandbox,
  profileJson,
  ROOT,
  removeOutsideDirs,
  scratch,
} from "./cli-support.js";

/**
 * How `keel sandbox` launches a command: the same environment policy as the agent's tools, setup
 * problems (a missing writable root, a deleted working directory) as exit 125 with a message that
 * names the path, and the deny-glob scan note on real runs.
 */

afterEach(removeOutsideDirs);

const SECRETS = {
  OPENAI_API_KEY: "sk-parent-secret",
  GITHUB_TOKEN: "ghp-parent-secret",
  MY_CLIENT_SECRET: "client-parent-secret",
};

describe("keel sandbox: command environment", () => {
  it("drops the parent's secret-looking variables, like the agent's commands", async () => {
    const { ws, home } = scratch();
    const r = await keelSandbox(ROOT, ["--sandbox", "read-only", "--", "env"], {
      cwd: ws,
      home,
      env: { ...SECRETS, PLAIN_SETTING: "visible" },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("PLAIN_SETTING=visible");
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(r.stdout).not.toContain(name);
      expect(r.stdout).not.toContain(value);
    }
  });

  it("applies [shell_environment_policy] from config.toml", async () => {
    const { ws, home } = scratch();
    fs.writeFileSync(
      path.join(home, "config.toml"),
      '[shell_environment_policy]\ninherit = "core"\nset = { FROM_POLICY = "yes" }\n',
    );
    const r = await keelSandbox(ROOT, ["--sandbox", "read-only", "--", "env"], {
      cwd: ws,
      home,
      env: { PLAIN_SETTING: "not-core" },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("FROM_POLICY=yes");
    expect(r.stdout).toContain("PATH=");
    expect(r.stdout).not.toContain("PLAIN_SETTING");
  });
});

describe("keel sandbox: setup errors", () => {
  it("a writable root that does not exist is exit 125 naming it, and the command does not run", async () => {
    const { ws, home, out } = scratch();
    const missing = path.join(out, "no-such-root");
    const r = await keelSandbox(
      ROOT,
      [
        "--sandbox",
        "workspace-write",
        "-c",
        `sandbox_workspace_write.writable_roots=["${missing}"]`,
        "--",
        "sh",
        "-c",
        "echo ran > ran.txt",
      ],
      { cwd: ws, home },
    );
    expect(r.status).toBe(125);
    expect(r.stderr).toContain(`writable root ${missing} does not exist`);
    expect(fs.existsSync(path.join(ws, "ran.txt"))).toBe(false);
  });

  it("a deleted working directory is exit 125 naming it, not the command failing", async () => {
    const { ws, home } = scratch();
    const gone = path.join(ws, "gone");
    fs.mkdirSync(gone);
    // The shell enters the directory, deletes it, then starts keel from there.
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(
        "sh",
        [
          "-c",
          `cd "$1" && rmdir "$1" && exec "$2" sandbox --sandbox read-only -- true`,
          "sh",
          gone,
          KEEL_BIN,
        ],
        {
          cwd: ws,
          env: {
            PATH: "/usr/local/bin:/usr/bin:/bin",
            HOME: home,
            KEEL_HOME: home,
            KEEL_SYSTEM_CONFIG_FILE: path.join(home, "none.toml"),
          },
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (c: string) => {
        stderr += c;
      });
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stderr }));
    });
    expect(r.stderr).toContain(`working directory ${gone} no longer exists`);
    expect(r.stderr).not.toMatch(/uv_cwd|ENOENT/);
    expect(r.status).toBe(125);
  });
});

describe("keel sandbox: a file as a writable root", () => {
  // Found by the explain/sandbox differential property: protected names were planned inside the
  // file (`key/.git`), and bwrap failed to create their mount points.
  it("is bound writable and gets no protected folders planned inside it", async () => {
    const { ws, home } = scratch();
    fs.mkdirSync(path.join(ws, "secrets"));
    const key = path.join(ws, "secrets", "key");
    fs.writeFileSync(key, "old\n");
    const profile = profileJson([
      entry.rootRead,
      entry.cwdWrite,
      { path: { type: "path", path: key }, access: "write" },
    ]);
    const r = await keelSandbox(
      ROOT,
      ["--permission-profile", profile, "--", "sh", "-c", `echo new > ${key}`],
      {
        cwd: ws,
        home,
      },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(fs.readFileSync(key, "utf8")).toBe("new\n");
  });
});

describe("keel sandbox: deny-glob scan note", () => {
  it("says on stderr how many directories were left unscanned, on a real run", async () => {
    const { ws, home } = scratch();
    fs.mkdirSync(path.join(ws, "d1/d2/d3"), { recursive: true });
    const profile = profileJson([entry.rootRead, entry.cwdWrite, entry.glob("**/*.env")], { depth: 1 });
    const r = await keelSandbox(ROOT, ["--permission-profile", profile, "--", "true"], { cwd: ws, home });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/keel sandbox: note: \d+ directories were not scanned for deny-read patterns/);
  });
});
