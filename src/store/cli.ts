import { requireUsableKeelHome, resolveKeelHome } from "../config/home.js";
import { errorMessage } from "../lib/errors.js";
import { checkStores, migrateThreads } from "./migrate.js";
import { openThreadStore, parseStoreUrl } from "./open.js";
import { redactSecrets, redactUrl } from "./redact.js";
import { STORE_PASSWORD_ENV } from "./select.js";
import type { ThreadStore } from "./types.js";

export interface StoreCliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const shown = (url: string | null) => (url === null ? "files" : redactUrl(url));

/** `keel store migrate|check`; returns the exit code. Messages never carry a password. */
export async function runStoreCommand(
  kind: "migrate" | "check",
  flags: { from: string; to: string },
  io: StoreCliIo,
): Promise<number> {
  const password = io.env[STORE_PASSWORD_ENV] || undefined;
  const opened: ThreadStore[] = [];
  try {
    const from = parseStoreUrl(flags.from);
    const to = parseStoreUrl(flags.to);
    if (from === to) {
      io.stderr(`error: --from and --to are the same store (${shown(from)})\n`);
      return 2;
    }
    const home = resolveKeelHome(io.env);
    requireUsableKeelHome(home, io.env);
    const open = (url: string | null) => {
      const store = openThreadStore({ home, url, password, onWarning: (m) => io.stderr(`warning: ${m}\n`) });
      opened.push(store);
      return store;
    };
    const source = open(from);
    const target = open(to);
    if (kind === "migrate") {
      const report = await migrateThreads(source, target, (line) => io.stderr(`${line}\n`));
      io.stdout(
        `copied ${report.copied} threads from ${shown(from)} to ${shown(to)}` +
          (report.skipped.length > 0
            ? `; ${report.skipped.length} already there were left as they are\n`
            : "\n"),
      );
      return 0;
    }
    const report = await checkStores(source, target);
    for (const line of report.differences) io.stdout(`${line}\n`);
    io.stdout(
      `${report.sourceThreads} threads in ${shown(from)}, ${report.targetThreads} in ${shown(to)}: ` +
        (report.differences.length === 0 ? "identical\n" : `${report.differences.length} differences\n`),
    );
    return report.differences.length === 0 ? 0 : 1;
  } catch (error) {
    const secrets = [password, ...[flags.from, flags.to].map(urlPassword)];
    io.stderr(`error: ${redactSecrets(errorMessage(error), secrets)}\n`);
    return 1;
  } finally {
    for (const store of opened) await store.close().catch(() => undefined);
  }
}

function urlPassword(value: string): string | undefined {
  try {
    const password = new URL(value).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}
