import type { ExecProcess } from "./process.js";

/** Most processes kept at once (Codex: 64); the next one prunes an old one first. */
export const MAX_PROCESSES = 64;
/** The most recently used processes are never pruned (Codex: 8). */
export const PROTECTED_RECENT = 8;
const MIN_ID = 1000;
const MAX_ID = 100_000;

/**
 * The unified exec processes of a router, by session id. Ids are random in [1000, 100000) and
 * unique among stored and reserved ones (a reservation covers a call still waiting for approval).
 */
export class ProcessStore {
  private readonly processes = new Map<number, ExecProcess>();
  private readonly reserved = new Set<number>();
  private clock = 0;

  constructor(private readonly random: () => number = Math.random) {}

  reserve(): number {
    for (;;) {
      const id = MIN_ID + Math.floor(this.random() * (MAX_ID - MIN_ID));
      if (!this.processes.has(id) && !this.reserved.has(id)) {
        this.reserved.add(id);
        return id;
      }
    }
  }

  /** Gives a reserved id back when its command never started. */
  unreserve(id: number): void {
    this.reserved.delete(id);
  }

  /**
   * Stores a started process under its reserved id. When the store is full, the least recently
   * used exited process is removed first, else the least recently used running one is killed
   * (the most recent few are protected). Returns the pruned process, if any.
   */
  add(process: ExecProcess): ExecProcess | null {
    let pruned: ExecProcess | null = null;
    if (!this.processes.has(process.id) && this.processes.size >= MAX_PROCESSES) {
      pruned = this.pruneCandidate();
      if (pruned) this.processes.delete(pruned.id);
    }
    this.reserved.delete(process.id);
    this.processes.set(process.id, process);
    this.touch(process);
    return pruned;
  }

  get(id: number): ExecProcess | undefined {
    const process = this.processes.get(id);
    if (process) this.touch(process);
    return process;
  }

  /** Removes a process (it exited and the model was told, or it was killed); frees its id. */
  remove(process: ExecProcess): void {
    if (this.processes.get(process.id) === process) this.processes.delete(process.id);
    this.reserved.delete(process.id);
  }

  /** Every stored process, in id order. */
  list(): ExecProcess[] {
    return [...this.processes.values()].sort((a, b) => a.id - b.id);
  }

  private touch(process: ExecProcess): void {
    process.lastUsed = ++this.clock;
  }

  private pruneCandidate(): ExecProcess | null {
    const byAge = [...this.processes.values()].sort((a, b) => a.lastUsed - b.lastUsed);
    const candidates = byAge.slice(0, Math.max(0, byAge.length - PROTECTED_RECENT));
    return candidates.find((p) => p.result !== null) ?? candidates[0] ?? null;
  }
}
