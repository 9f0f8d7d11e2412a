import type { Command } from "commander";
import { guardOutput } from "../output.js";

interface StoreFlags {
  from: string;
  to: string;
}

/**
 * `keel store migrate|check --from <store> --to <store>`: copy threads between the file store
 * ("files", under $KEEL_HOME) and PostgreSQL (a postgres:// URL; password from KEEL_STORE_PASSWORD),
 * and verify a copy.
 */
export function registerStoreCommand(program: Command): void {
  const store = program.command("store").description("Move threads between the file store and PostgreSQL");
  const pair = (cmd: Command) =>
    cmd
      .requiredOption("--from <store>", '"files" or postgres://user@host:port/database')
      .requiredOption("--to <store>", '"files" or postgres://user@host:port/database');
  pair(
    store
      .command("migrate")
      .description(
        "Copy every thread (lines verbatim, names, archive state, timestamps); re-runs skip copied threads",
      ),
  ).action(async (flags: StoreFlags) => {
    const { runStoreCommand } = await import("../../store/cli.js");
    process.exitCode = await runStoreCommand("migrate", flags, cliIo());
  });
  pair(
    store.command("check").description("Compare two stores thread by thread; exit 1 on any difference"),
  ).action(async (flags: StoreFlags) => {
    const { runStoreCommand } = await import("../../store/cli.js");
    process.exitCode = await runStoreCommand("check", flags, cliIo());
  });
}

function cliIo() {
  return {
    env: process.env,
    stdout: guardOutput(process.stdout).write,
    stderr: guardOutput(process.stderr).write,
  };
}
