import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { canonicalIfExists } from "../../permissions/abs-path.js";

/**
 * Mount-point residue (sandbox-linux.md §3.3): to mount over a path that does not exist yet
 * (a missing `.codex`, a denied file not created yet) bwrap creates an empty file or directory on
 * the host, and leaves it there. Each sandbox records the paths it mounts on in a registry
 * directory; paths that were missing when it started (or that another running sandbox created)
 * are removed after the last sandbox using them exits, if they are still empty placeholders.
 *
 * The registry is shared by concurrent keel processes: a lock directory serialises claims and
 * releases; records of processes that died are cleaned at the next start.
 */

interface ResidueRecord {
  pid: number;
  startTime: string | null;
  /** Every placeholder-able path this sandbox mounts on. */
  targets: string[];
  /** Chains (topmost missing ancestor first) this sandbox is responsible for removing. */
  created: string[][];
  /**
   * Per chain (same index): the real path of the folder holding its topmost entry, at claim time.
   * Absent in records written by older keel versions: then the lexical folder must be real.
   */
  createdParents?: string[];
}

export interface ResidueClaim {
  file: string;
  record: ResidueRecord;
}

const LOCK_STALE_MS = 10_000;

/**
 * The registry every keel of this user shares, whatever its KEEL_HOME: a keel killed mid-command
 * leaves its record behind, and only a registry the next keel reads gets those placeholders
 * removed (a per-home one is never read again once a throw-away KEEL_HOME is gone, and keels with
 * other homes would not see each other's mounts). It lives in the host's /dev/shm, which no
 * sandbox sees (bwrap gives each its own /dev). Null when that folder is missing or not ours, so
 * the caller keeps its per-home registry.
 */
export function sharedResidueDir(uid: number, shm = "/dev/shm"): string | null {
  const st = lstatOrNull(shm);
  if (st === null || !st.isDirectory()) return null;
  const own = path.join(shm, `keel-${uid}`);
  try {
    fs.mkdirSync(own, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") return null;
  }
  // Another user may have made it first (/dev/shm is world-writable): then it is not ours to trust.
  const mine = lstatOrNull(own);
  if (mine === null || !mine.isDirectory() || mine.uid !== uid || (mine.mode & 0o077) !== 0) return null;
  return path.join(own, "sandbox-residue");
}

export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime), counted after the parenthesised command name, which may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(record: ResidueRecord): boolean {
  const now = processStartTime(record.pid);
  if (now === null) return false;
  return record.startTime === null || now === record.startTime;
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

function missingChain(p: string): string[] {
  const chain: string[] = [];
  let current = p;
  while (current !== "/" && lstatOrNull(current) === null) {
    chain.unshift(current);
    current = path.posix.dirname(current);
  }
  return chain;
}

/**
 * Removes an empty placeholder chain bottom-up; anything with content is left alone. The command
 * may have swapped a folder on the way for a symlink (`mv sub sub.x && ln -s /elsewhere sub`):
 * each entry is removed only while its folder still resolves to where it was at claim time
 * (`parentReal` for the chain's top), and through that real path, so nothing is removed elsewhere.
 */
export function removePlaceholderChain(chain: readonly string[], parentReal?: string): void {
  const top = path.posix.dirname(chain[0]!);
  const expectedTop = parentReal ?? top;
  for (let i = chain.length - 1; i >= 0; i--) {
    const p = chain[i]!;
    const expectedParent = path.posix.join(expectedTop, path.posix.relative(top, path.posix.dirname(p)));
    const parent = canonicalIfExists(path.posix.dirname(p));
    if (parent === null) continue; // gone already, with everything under it
    if (parent !== expectedParent) return;
    const real = path.posix.join(parent, path.posix.basename(p));
    const st = lstatOrNull(real);
    if (st === null) continue;
    try {
      if (st.isDirectory()) fs.rmdirSync(real);
      else if (st.isFile() && st.size === 0) fs.unlinkSync(real);
      else return;
    } catch {
      return; // not empty (the command or someone else put something there): keep it
    }
  }
}

export class ResidueRegistry {
  private readonly lockDir: string;

  constructor(private readonly dir: string) {
    this.lockDir = path.join(dir, ".lock");
  }

  private async withLock<T>(fn: () => T): Promise<T> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (let attempt = 0; ; attempt++) {
      try {
        fs.mkdirSync(this.lockDir);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const st = lstatOrNull(this.lockDir);
        if (st !== null && Date.now() - st.mtimeMs > LOCK_STALE_MS) {
          fs.rmSync(this.lockDir, { recursive: true, force: true });
          continue;
        }
        await sleep(Math.min(2 + attempt, 20));
      }
    }
    try {
      return fn();
    } finally {
      fs.rmSync(this.lockDir, { recursive: true, force: true });
    }
  }

  private readRecords(): { file: string; record: ResidueRecord }[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: { file: string; record: ResidueRecord }[] = [];
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      const file = path.join(this.dir, name);
      try {
        out.push({ file, record: JSON.parse(fs.readFileSync(file, "utf8")) as ResidueRecord });
      } catch {
        // half-written or corrupt: ignore (its owner rewrites or it is removed as stale below)
      }
    }
    return out;
  }

  /** Registers the paths a sandbox is about to mount on; call before launching bwrap. */
  async claim(targets: readonly string[]): Promise<ResidueClaim> {
    return this.withLock(() => {
      const live = this.readRecords().filter((r) => isAlive(r.record));
      const createdByOthers = new Map<string, { chain: string[]; parent: string | undefined }>();
      for (const { record } of live) {
        record.created.forEach((chain, i) => {
          createdByOthers.set(chain.at(-1)!, { chain, parent: record.createdParents?.[i] });
        });
      }
      const unique = [...new Set(targets)];
      const created: string[][] = [];
      const createdParents: string[] = [];
      for (const target of unique) {
        const inherited = createdByOthers.get(target);
        const chain = inherited?.chain ?? missingChain(target);
        if (chain.length === 0) continue;
        const top = path.posix.dirname(chain[0]!);
        const parent = inherited !== undefined ? inherited.parent : canonicalIfExists(top);
        created.push(chain);
        // Unknown (an old record's chain): the lexical folder itself must stay real to be cleaned.
        createdParents.push(parent ?? top);
      }
      const record: ResidueRecord = {
        pid: process.pid,
        startTime: processStartTime(process.pid),
        targets: unique,
        created,
        createdParents,
      };
      const file = path.join(this.dir, `${process.pid}-${crypto.randomBytes(6).toString("hex")}.json`);
      fs.writeFileSync(file, JSON.stringify(record), { mode: 0o600 });
      return { file, record };
    });
  }

  /** After the sandbox exited: drop the record and remove placeholders nobody else mounts on. */
  async release(claim: ResidueClaim): Promise<void> {
    await this.withLock(() => {
      fs.rmSync(claim.file, { force: true });
      this.cleanUnclaimed([claim.record]);
    });
  }

  /** Paths that sandboxes still running mount on (their placeholders must stay). */
  async liveTargets(): Promise<Set<string>> {
    return this.withLock(() => this.liveTargetSet());
  }

  private liveTargetSet(): Set<string> {
    const targets = new Set<string>();
    for (const { record } of this.readRecords()) {
      if (isAlive(record)) for (const t of record.targets) targets.add(t);
    }
    return targets;
  }

  /** Cleans records left by keel processes that died before cleaning up. Returns how many. */
  async cleanStale(): Promise<number> {
    if (!fs.existsSync(this.dir)) return 0;
    return this.withLock(() => {
      const dead = this.readRecords().filter((r) => !isAlive(r.record));
      for (const { file } of dead) fs.rmSync(file, { force: true });
      this.cleanUnclaimed(dead.map((d) => d.record));
      return dead.length;
    });
  }

  private cleanUnclaimed(finished: readonly ResidueRecord[]): void {
    const stillMounted = this.liveTargetSet();
    for (const record of finished) {
      record.created.forEach((chain, i) => {
        if (!stillMounted.has(chain.at(-1)!)) removePlaceholderChain(chain, record.createdParents?.[i]);
      });
    }
  }
}
