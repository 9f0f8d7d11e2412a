import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { sharedResidueDir } from "../../src/sandbox/linux/residue.js";
import { tempDir } from "../support/tmp.js";
import { KEEL_BIN, keelSandbox, ROOT } from "./cli-support.js";

/**
 * A keel killed while a sandboxed command runs cannot remove the mount-point placeholders bwrap
 * made (an empty `.codex` in a writable root such as /tmp broke project detection under it). The
 * next keel must remove them, whatever its KEEL_HOME: tests and scripts use throw-away homes.
 */

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for: ${what}`);
}

function envFor(home: string): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    KEEL_HOME: home,
    KEEL_SYSTEM_CONFIG_FILE: path.join(home, "no-system-config.toml"),
    KEEL_REQUIREMENTS_FILE: path.join(home, "no-requirements.toml"),
  };
}

function bwrapRunning(marker: string): boolean {
  return fs.readdirSync("/proc").some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      return fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker);
    } catch {
      return false;
    }
  });
}

describe("placeholders of a keel that was killed", () => {
  it("are removed by the next sandboxed run of a keel with another KEEL_HOME", async () => {
    const base = tempDir("keel-residue-killed-");
    const dir = (name: string): string => {
      const d = path.join(base, name);
      fs.mkdirSync(d);
      return d;
    };
    const [ws, homeA, homeB, other] = [dir("ws"), dir("homeA"), dir("homeB"), dir("other")];
    const roots = `sandbox_workspace_write.writable_roots=["${ws}"]`;
    const marker = `residue-killed-${path.basename(base)}`;
    const child = spawn(
      KEEL_BIN,
      [
        "sandbox",
        "--sandbox",
        "workspace-write",
        "-c",
        roots,
        "--",
        "sh",
        "-c",
        `touch started; sleep 120 # ${marker}`,
      ],
      { cwd: other, env: envFor(homeA), stdio: "ignore" },
    );
    const exited = new Promise((resolve) => child.on("exit", resolve));
    await eventually(() => fs.existsSync(path.join(other, "started")), "the sandboxed command to start");
    const placeholder = path.join(ws, ".codex");
    expect(fs.readdirSync(placeholder)).toEqual([]); // bwrap's empty mount point on the host
    child.kill("SIGKILL");
    await exited;
    await eventually(() => !bwrapRunning(marker), "bwrap to die with its parent");
    expect(fs.existsSync(placeholder)).toBe(true); // nobody cleaned up after the killed keel

    const r = await keelSandbox(ROOT, ["--sandbox", "workspace-write", "--", "true"], {
      cwd: other,
      home: homeB,
    });
    expect(r.status).toBe(0);
    expect(fs.existsSync(placeholder)).toBe(false);
    expect(fs.readdirSync(ws)).toEqual([]);
  });
});

describe("sharedResidueDir", () => {
  it("is refused when its folder belongs to someone else or others can write it", () => {
    const shm = tempDir("keel-shm-");
    const uid = process.getuid!();
    expect(sharedResidueDir(uid, shm)).toBe(path.join(shm, `keel-${uid}`, "sandbox-residue"));
    expect(fs.statSync(path.join(shm, `keel-${uid}`)).mode & 0o777).toBe(0o700);
    fs.chmodSync(path.join(shm, `keel-${uid}`), 0o777);
    expect(sharedResidueDir(uid, shm)).toBeNull();
    fs.mkdirSync(path.join(shm, "keel-4242"), { mode: 0o700 });
    expect(sharedResidueDir(4242, shm)).toBeNull(); // made by this test's user, not by uid 4242
    expect(sharedResidueDir(uid, path.join(shm, "missing"))).toBeNull();
  });
});
