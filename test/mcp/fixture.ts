import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseMcpServers } from "../../src/mcp/config.js";
import type { McpServerConfig } from "../../src/mcp/types.js";
import { tempDir } from "../support/tmp.js";

export const FIXTURE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "../support/mcp-fixture-server.mjs",
);

export interface LogEntry {
  pid: number;
  kind: string;
  [key: string]: unknown;
}

/** A fresh log file for the fixture's `--log`. */
export function logFile(): string {
  return path.join(tempDir("mcp-log-"), "server.jsonl");
}

export function readLog(file: string): LogEntry[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogEntry);
}

/** TOML for a stdio fixture server `[mcp_servers.NAME]` (extra keys appended verbatim). */
export function fixtureToml(name: string, args: string[] = [], extra = ""): string {
  const argv = [FIXTURE, ...args].map((a) => JSON.stringify(a)).join(", ");
  return `[mcp_servers.${JSON.stringify(name)}]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${argv}]\n${extra}\n`;
}

/** A validated stdio config running the fixture (table keys as in config.toml). */
export function fixtureServer(
  name: string,
  args: string[] = [],
  table: Record<string, unknown> = {},
): McpServerConfig {
  const [config] = parseMcpServers({
    [name]: { command: process.execPath, args: [FIXTURE, ...args], ...table },
  });
  return config!;
}

/** Resolves once `predicate` holds, polling (the fixture writes its log asynchronously). */
export async function eventually<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs the fixture over streamable HTTP; resolves with its URL and a stop function. */
export async function httpFixture(args: string[] = []): Promise<{ url: string; stop: () => Promise<void> }> {
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, [FIXTURE, "--http", "0", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      out += chunk;
      const line = out.split("\n");
      if (line.length > 1) resolve(line[0]!);
    });
    child.on("exit", () => reject(new Error("fixture exited before printing its URL")));
  });
  // Stopping waits for the exit, so the server no longer writes its log when the test's
  // temporary folders are removed.
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await exited;
  };
  return { url, stop };
}
