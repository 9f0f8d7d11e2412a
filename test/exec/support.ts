import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import { type ModelServer, mockProviderToml, startModelServer } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const KEEL_BIN = path.join(REPO_ROOT, "bin/keel");

const servers: ModelServer[] = [];
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close();
});

export interface ExecSetup {
  server: ModelServer;
  home: string;
  /** A git repository (has `.git`) to run in. */
  repo: string;
  env: Record<string, string>;
}

/** A model server, a KEEL_HOME whose config.toml points at it, and a repository to work in. */
export async function setup(
  options: {
    providerExtra?: string;
    topLevel?: Record<string, string>;
    /** Serve the model over HTTPS with this key and certificate. */
    tls?: { key: string; cert: string };
  } = {},
): Promise<ExecSetup> {
  const server = await startModelServer(options.tls ? { tls: options.tls } : {});
  servers.push(server);
  const home = tempDir("keel-exec-home-");
  const repo = path.join(tempDir("keel-exec-"), "repo");
  fs.mkdirSync(path.join(repo, ".git"), { recursive: true });
  fs.writeFileSync(
    path.join(home, "config.toml"),
    mockProviderToml(server.url, { topLevel: options.topLevel ?? {} }) + (options.providerExtra ?? ""),
  );
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, KEEL_HOME: home };
  return { server, home, repo, env };
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/keel.js <args>` to completion. */
export function keel(
  args: string[],
  options: { cwd: string; env: Record<string, string>; stdin?: string | Buffer },
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(KEEL_BIN, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

/** JSON lines of a `--json` run. */
// biome-ignore lint/suspicious/noExplicitAny: parsed JSONL
export function jsonLines(stdout: string): any[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

/** Items of a Responses request body's `input` of one type. */
// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
export function inputItems(body: any, type: string): any[] {
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
  return (body.input as any[]).filter((i) => i.type === type);
}

/** Text of the user messages in a request body. */
// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
export function userTexts(body: any): string[] {
  return inputItems(body, "message")
    .filter((m) => m.role === "user")
    .map((m) => (m.content as { text?: string }[]).map((c) => c.text ?? "").join(""));
}

/** A port nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
