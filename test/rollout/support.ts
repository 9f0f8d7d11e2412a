import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");

const bundled = new Map<string, Promise<string>>();

/** The crash-test writer as one ESM file (see fixtureScript). */
export function writerScript(): Promise<string> {
  return fixtureScript("writer");
}

/**
 * A child-process fixture (`fixtures/<name>.ts`) compiled to one ESM file, so the child runs the
 * current sources, not a possibly stale dist/. It lives under node_modules/.cache so
 * `better-sqlite3` resolves.
 */
export function fixtureScript(name: string): Promise<string> {
  const cached = bundled.get(name);
  if (cached) return cached;
  const made = (async () => {
    const result = await build({
      entryPoints: [path.join(here, "fixtures", `${name}.ts`)],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      external: ["better-sqlite3"],
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles[0]!.contents;
    // Named by content, so parallel workers and repeated runs share one file.
    const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
    const dir = path.join(repo, "node_modules", ".cache", "keel-rollout-tests");
    const outfile = path.join(dir, `${name}-${hash}.mjs`);
    if (!fs.existsSync(outfile)) {
      fs.mkdirSync(dir, { recursive: true });
      const tmp = `${outfile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, outfile);
    }
    return outfile;
  })();
  bundled.set(name, made);
  return made;
}

export interface Child {
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first stdout line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

export async function spawnWriter(command: Record<string, unknown>): Promise<Child> {
  const script = await writerScript();
  const proc = spawn(process.execPath, [script, JSON.stringify(command)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let buffer = "";
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  proc.stdout!.on("data", (d: Buffer) => {
    buffer += d.toString();
    let nl = buffer.indexOf("\n");
    while (nl !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
      nl = buffer.indexOf("\n");
    }
  });
  // "close", not "exit": it fires once stdout is drained, so every ack the child printed is seen.
  const exited = new Promise<number | null>((resolve) => proc.on("close", (code) => resolve(code)));
  return {
    proc,
    lines,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`child did not print ${pattern} (stderr: ${stderr.slice(-2000)})`)),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        exited.then(() =>
          setTimeout(
            () => reject(new Error(`child exited before ${pattern}; stderr: ${stderr.slice(-2000)}`)),
            50,
          ),
        );
      });
    },
  };
}

/** SIGKILL and wait until the process is gone (and reaped). */
export async function killHard(child: Child): Promise<void> {
  child.proc.kill("SIGKILL");
  await child.exited;
}

export function readLines(file: string): string[] {
  return fs.readFileSync(file, "utf8").split("\n");
}
