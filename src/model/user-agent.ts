import {
  describeTerminal,
  detectPlatform,
  formatUserAgent,
  type PlatformInfo,
} from "../app-server/user-agent.js";
import { KEEL_VERSION } from "../cli/version.js";

let platform: PlatformInfo | null = null;

/**
 * The `user-agent` of model requests, in Codex's format with keel's product token and version:
 * `keel_exec/0.1.0 (Debian 12; x86_64) xterm (keel_exec; 0.1.0)`.
 */
export function keelUserAgent(originator: string, env: Readonly<Record<string, string | undefined>>): string {
  platform ??= detectPlatform();
  return formatUserAgent({
    clientName: originator,
    clientVersion: KEEL_VERSION,
    serverVersion: KEEL_VERSION,
    platform,
    terminal: describeTerminal(env as NodeJS.ProcessEnv),
  });
}
