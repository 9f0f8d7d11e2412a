import fs from "node:fs";
import { createRequire } from "node:module";
import tty from "node:tty";

/**
 * Pseudo-terminals for interactive commands, from @lydell/node-pty's native `open` (prebuilt,
 * no download). keel opens the pair itself and hands the slave to an ordinary spawn, so bwrap
 * keeps its seccomp and status descriptors and its `--new-session`.
 *
 * The native module opens both ends without close-on-exec, and Node cannot set that flag. Every
 * descriptor of a live terminal is therefore listed here, and `maskPtyFds` covers it with
 * /dev/null in the stdio of each later launch — otherwise a sandboxed command would inherit the
 * master of another (possibly unsandboxed) terminal and could type into it.
 */

interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
  resize(fd: number, cols: number, rows: number): void;
}

export const PTY_COLS = 80;
export const PTY_ROWS = 24;

let native: NativePty | null | undefined;
let nativeError = "";
/** Live terminal descriptors and the pair that owns each (a closed number may be reused at once). */
const liveFds = new Map<number, object>();
let devNull: number | null = null;

function loadNative(): NativePty | null {
  if (native !== undefined) return native;
  try {
    const require = createRequire(import.meta.url);
    const { requireBinary } = require("@lydell/node-pty/requireBinary.js") as {
      requireBinary(file: string): NativePty;
    };
    native = requireBinary("pty.node");
  } catch (error) {
    nativeError = (error as Error).message.split("\n")[0] ?? String(error);
    native = null;
  }
  return native;
}

export interface PtyPair {
  /** The terminal end the command gets as stdin/stdout/stderr; close it once the command exited. */
  readonly slaveFd: number;
  /** The master's descriptor number (owned by `master`). */
  readonly masterFd: number;
  /** Output of the command (the master end); also accepts writes (the command's input). */
  readonly master: tty.ReadStream;
  closeSlave(): void;
  /** Closes the master; the command sees a hang-up. */
  close(): void;
  /** Sets the window size (the command gets SIGWINCH). */
  resize(size: TerminalSize): void;
}

export interface TerminalSize {
  rows: number;
  cols: number;
}

/** Opens a terminal pair (24×80 unless told), or explains why none is available (then callers use pipes). */
export function openPty(
  size: TerminalSize = { rows: PTY_ROWS, cols: PTY_COLS },
): PtyPair | { error: string } {
  const lib = loadNative();
  if (lib === null) return { error: `no pseudo-terminal support: ${nativeError}` };
  let pair: { master: number; slave: number };
  try {
    pair = lib.open(size.cols, size.rows);
  } catch (error) {
    return { error: `cannot open a pseudo-terminal: ${(error as Error).message}` };
  }
  const owner = {};
  liveFds.set(pair.master, owner);
  liveFds.set(pair.slave, owner);
  // Unlists a number only while this pair still owns it: the stream's "close" event comes after
  // the descriptor was closed, and a newer pair may have been given the same number meanwhile.
  const unlist = (fd: number) => {
    if (liveFds.get(fd) === owner) liveFds.delete(fd);
  };
  const master = new tty.ReadStream(pair.master);
  // EIO (the command side closed) ends the data, also for a late write: never an uncaught error.
  master.on("error", () => {});
  let slaveOpen = true;
  let masterOpen = true;
  const closeSlave = () => {
    if (!slaveOpen) return;
    slaveOpen = false;
    unlist(pair.slave);
    try {
      fs.closeSync(pair.slave);
    } catch {
      // already closed
    }
  };
  // The stream closes the descriptor itself; only then may the number be reused and unlisted.
  master.once("close", () => unlist(pair.master));
  return {
    slaveFd: pair.slave,
    masterFd: pair.master,
    master,
    closeSlave,
    resize: (next) => {
      if (masterOpen && liveFds.get(pair.master) === owner) lib.resize(pair.master, next.cols, next.rows);
    },
    close: () => {
      closeSlave();
      if (!masterOpen) return;
      masterOpen = false;
      master.destroy();
    },
  };
}

/**
 * Puts /dev/null over every live terminal descriptor in a spawn's stdio (except the ones in
 * `keep`, at 0–2), so the child does not inherit them.
 */
export function maskPtyFds<T>(stdio: (T | "ignore" | number)[]): (T | "ignore" | number)[] {
  if (liveFds.size === 0) return stdio;
  devNull ??= fs.openSync("/dev/null", "r");
  const out = [...stdio];
  for (const fd of liveFds.keys()) {
    if (fd <= 2) continue;
    while (out.length <= fd) out.push("ignore");
    if (fd >= stdio.length) out[fd] = devNull;
  }
  return out;
}
