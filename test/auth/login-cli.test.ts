import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.js";

const bin = path.resolve(import.meta.dirname, "../../bin/keel");

/** Runs `keel <args>` with KEEL_HOME=home and `input` on stdin (a pipe, never a terminal). */
function keel(home: string, args: string[], input = "") {
  const run = spawnSync(bin, args, {
    input,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, KEEL_HOME: home },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("keel login / login status / logout (Codex 0.169's texts and exit codes)", () => {
  it("stores a key read from stdin in Codex's auth.json format, reports it masked, and removes it", () => {
    const home = tempDir("keel-login-");
    expect(keel(home, ["login", "status"])).toEqual({ status: 1, stdout: "", stderr: "Not logged in\n" });

    const key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
    expect(keel(home, ["login", "--with-api-key"], `  ${key}\n`)).toEqual({
      status: 0,
      stdout: "",
      stderr:
        "Reading API key from stdin...\nAPI key saved. Authentication is checked when you send a request.\n",
    });
    const file = path.join(home, "auth.json");
    expect(fs.readFileSync(file, "utf8")).toBe(
      `{\n  "auth_mode": "apikey",\n  "OPENAI_API_KEY": "${key}"\n}`,
    );
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // No temporary file is left behind by the atomic write.
    expect(fs.readdirSync(home).filter((f) => f.startsWith("auth.json"))).toEqual(["auth.json"]);

    expect(keel(home, ["login", "status"])).toEqual({
      status: 0,
      stdout: "",
      stderr: "API key configured - sk-proj-***56789\nAuthentication is checked when you send a request.\n",
    });
    expect(keel(home, ["logout"])).toEqual({ status: 0, stdout: "", stderr: "Successfully logged out\n" });
    expect(fs.existsSync(file)).toBe(false);
    expect(keel(home, ["logout"])).toEqual({ status: 0, stdout: "", stderr: "Not logged in\n" });
  });

  it("refuses an empty key and ChatGPT sign-in, writing nothing", () => {
    const home = tempDir("keel-login-");
    expect(keel(home, ["login", "--with-api-key"], " \n\n")).toEqual({
      status: 1,
      stdout: "",
      stderr: "Reading API key from stdin...\nNo API key provided via stdin.\n",
    });
    for (const args of [["login"], ["login", "--device-auth"], ["login", "--with-access-token"]]) {
      const run = keel(home, args, "token");
      expect(run.status, args.join(" ")).toBe(1);
      expect(run.stderr).toBe(
        "ChatGPT sign-in is not available in keel. Log in with an API key instead: `printenv OPENAI_API_KEY | keel login --with-api-key`.\n",
      );
    }
    expect(fs.existsSync(path.join(home, "auth.json"))).toBe(false);
  });

  it("replaces a group-readable auth.json with a private one, and narrows one it only reads", () => {
    const home = tempDir("keel-login-");
    const file = path.join(home, "auth.json");
    fs.writeFileSync(file, JSON.stringify({ auth_mode: "apikey", OPENAI_API_KEY: "sk-old-key-1234567" }));
    fs.chmodSync(file, 0o644);
    const status = keel(home, ["login", "status"]);
    expect(status.status).toBe(0);
    expect(status.stderr).toContain(
      `warning: ${file} was readable by other users (mode 644); its mode is now 0600`,
    );
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    fs.chmodSync(file, 0o664);
    expect(keel(home, ["login", "--with-api-key"], "sk-new").status).toBe(0);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, "utf8")).OPENAI_API_KEY).toBe("sk-new");
  });

  it("refuses an auth.json that is not a regular file (a FIFO there must not hang keel)", () => {
    const home = tempDir("keel-login-");
    const fifo = path.join(home, "auth.json");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const run = spawnSync(bin, ["login", "status"], {
      encoding: "utf8",
      timeout: 10_000,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, KEEL_HOME: home },
    });
    expect(run.signal).toBeNull(); // not killed by the timeout: it did not block on the FIFO
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/auth\.json is not a regular file\n$/);
  });

  it("reports a malformed auth.json precisely, without a stack trace", () => {
    const home = tempDir("keel-login-");
    fs.writeFileSync(path.join(home, "auth.json"), "{garbage", { mode: 0o600 });
    const run = keel(home, ["login", "status"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^Error checking login status: .*auth\.json is not valid JSON \(.+\)\n$/);

    fs.writeFileSync(path.join(home, "auth.json"), JSON.stringify({ OPENAI_API_KEY: 42 }), { mode: 0o600 });
    expect(keel(home, ["login", "status"]).stderr).toMatch(
      /auth\.json is not a valid auth file: `OPENAI_API_KEY`: /,
    );

    // Codex's file after a ChatGPT sign-in: read, reported, never used.
    fs.writeFileSync(
      path.join(home, "auth.json"),
      JSON.stringify({ auth_mode: "chatgpt", tokens: { id_token: "x" } }),
      {
        mode: 0o600,
      },
    );
    const chatgpt = keel(home, ["login", "status"]);
    expect(chatgpt.status).toBe(1);
    expect(chatgpt.stderr).toMatch(/^Logged in using ChatGPT, which keel cannot use\./);
  });
});
