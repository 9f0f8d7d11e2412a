import type { Command } from "commander";
import { runAppServerCommand } from "./app-server.js";

type WebFlags = {
  listen: string;
  open?: boolean;
  strictConfig?: boolean;
  dangerouslyBypassHookTrust?: boolean;
};

/**
 * `keel web`: the app-server on a loopback WebSocket port that also serves the browser page. The
 * page URL printed (and opened with `--open`) carries a capability token generated at start.
 */
export function registerWebCommand(program: Command): void {
  program
    .command("web")
    .description("Serve the browser front end and the app-server on one loopback port")
    .option(
      "--listen <url>",
      "ws://IP:PORT on a loopback address (port 0: any free port)",
      "ws://127.0.0.1:0",
    )
    .option("--open", "open the page in the default browser (xdg-open)")
    .option("--strict-config", "fail when config.toml contains keys Codex does not recognise")
    .option("--dangerously-bypass-hook-trust", "run configured hooks without checking their trusted hash")
    .action((options: WebFlags) => runAppServerCommand({ ...options, web: true }));
}
