import type { Command } from "commander";
import type { WsAuthFlags } from "../../app-server/ws-auth.js";
import type { WsLimitFlags } from "../../app-server/ws-limits.js";
import { errorMessage, UserError } from "../../lib/errors.js";

type AppServerFlags = {
  listen: string;
  stdio?: boolean;
  strictConfig?: boolean;
  dangerouslyBypassHookTrust?: boolean;
  store?: string;
} & WsAuthFlags &
  WsLimitFlags;

/**
 * `keel app-server`: serves Codex's app-server protocol v2. The server and the schema
 * generators are imported inside the actions so `keel --help` stays fast.
 */
export function registerAppServerCommand(program: Command): void {
  const appServer = program
    .command("app-server")
    .description("Serve Codex's app-server protocol v2 (JSON-RPC) for Codex clients and SDKs")
    .option(
      "--listen <url>",
      "transport: stdio:// (default), ws://IP:PORT, unix://PATH (WebSocket over a unix socket) or off",
      "stdio://",
    )
    .option("--stdio", "same as --listen stdio://")
    .option(
      "--ws-auth <MODE>",
      "authentication of WebSocket upgrades: capability-token or signed-bearer-token",
    )
    .option("--ws-token-file <PATH>", "file holding the capability token (surrounding whitespace ignored)")
    .option(
      "--ws-token-sha256 <HEX>",
      "hex SHA-256 digest of the capability token, instead of --ws-token-file",
    )
    .option(
      "--ws-shared-secret-file <PATH>",
      "file holding the HS256 secret (at least 32 bytes) of signed JWT bearer tokens",
    )
    .option("--ws-issuer <ISSUER>", "expected `iss` of signed JWT bearer tokens")
    .option("--ws-audience <AUDIENCE>", "expected `aud` of signed JWT bearer tokens")
    .option(
      "--ws-max-clock-skew-seconds <SECONDS>",
      "clock skew allowed for `exp`/`nbf` of signed JWT bearer tokens (default 30)",
    )
    .option("--ws-max-connections <N>", "open WebSocket connections at most (default 64)")
    .option(
      "--ws-max-message-bytes <BYTES>",
      "largest WebSocket message a client may send, and most answers it may leave unread (default 67108864)",
    )
    .option(
      "--ws-max-buffered-bytes <BYTES>",
      "bytes of unfinished messages held across all connections (default 134217728)",
    )
    .option(
      "--ws-handshake-timeout-seconds <SECONDS>",
      "time from connecting to the first complete message (default 10)",
    )
    .option("--ws-message-timeout-seconds <SECONDS>", "time to finish sending a started message (default 60)")
    .option("--strict-config", "fail when config.toml contains keys Codex does not recognise")
    .option("--dangerously-bypass-hook-trust", "run configured hooks without checking their trusted hash")
    .option("--store <url>", 'thread store: "files" (default) or postgres://user@host:port/database')
    .action(async (options: AppServerFlags) => {
      const [
        { runAppServer },
        { describeTerminal },
        { requireUsableKeelHome, resolveKeelHome },
        { selectStore },
      ] = await Promise.all([
        import("../../app-server/run.js"),
        import("../../app-server/user-agent.js"),
        import("../../config/home.js"),
        import("../../store/select.js"),
      ]);
      const home = resolveKeelHome();
      requireUsableKeelHome(home, process.env);
      let store: ReturnType<typeof selectStore>;
      try {
        store = selectStore({ flag: options.store, home, env: process.env });
      } catch (error) {
        throw new UserError(errorMessage(error), 2);
      }
      if (options.strictConfig) {
        // Like Codex: with unrecognised keys the server does not start at all.
        const { loadConfigFromEnv } = await import("../../config/load.js");
        loadConfigFromEnv({ env: process.env, processCwd: process.cwd(), strictConfig: true });
      }
      const stop = new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      try {
        await runAppServer({
          listen: options.stdio ? "stdio://" : options.listen,
          home,
          cwd: process.cwd(),
          terminal: describeTerminal(process.env),
          stdin: process.stdin,
          stdout: process.stdout,
          stderr: process.stderr,
          stopSignal: stop,
          engine: {
            env: process.env,
            strictConfig: options.strictConfig === true,
            bypassHookTrust: options.dangerouslyBypassHookTrust === true,
            store,
          },
          wsAuth: options,
          wsLimits: options,
        });
      } catch (error) {
        throw new UserError(errorMessage(error), 1);
      }
      // The server has shut down; do not let a stray handle keep the process alive.
      setTimeout(() => process.exit(), 2000).unref();
    });

  appServer
    .command("generate-json-schema")
    .description("Write the protocol's JSON Schema (draft-07) to a directory")
    .requiredOption("-o, --out <dir>", "output directory")
    .option("--experimental", "include experimental methods and fields")
    .action(async (options: { out: string; experimental?: boolean }) => {
      const { writeJsonSchemas } = await import("../../app-server/schema/json-schema.js");
      const written = writeJsonSchemas(options.out, { experimental: options.experimental === true });
      process.stderr.write(`wrote ${written.length} schema files to ${options.out}\n`);
    });

  appServer
    .command("generate-ts")
    .description("Write TypeScript declarations of the protocol to a directory")
    .requiredOption("-o, --out <dir>", "output directory")
    .option("--experimental", "include experimental methods and fields")
    .action(async (options: { out: string; experimental?: boolean }) => {
      const { writeTypeScript } = await import("../../app-server/schema/typescript.js");
      const written = await writeTypeScript(options.out, { experimental: options.experimental === true });
      process.stderr.write(`wrote ${written.join(", ")}\n`);
    });
}
