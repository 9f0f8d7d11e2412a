import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

/** test/support/mcp-oauth-server.mjs: an OAuth-guarded streamable HTTP MCP server (auto-approving). */
const OAUTH_SERVER = path.resolve(import.meta.dirname, "mcp-oauth-server.mjs");

/** Starts the server (tracked in `children` for the caller's cleanup); resolves with its MCP URL. */
export async function startOAuthServer(children: ChildProcess[], args: string[] = []): Promise<string> {
  const child = spawn(process.execPath, [OAUTH_SERVER, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`OAuth fixture exited with ${code}`)));
    readline.createInterface({ input: child.stdout! }).once("line", (line) => resolve(line.trim()));
  });
}
