// The session's event channel with a store gate: an event goes out only once the items recorded
// before it are stored, always in emission order, and at once when nothing is in flight.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Event } from "../../src/protocol/events.js";
import { EventChannel } from "../../src/session/event-channel.js";

/** Writes settling in order, as a recorder's commits do; the gate is the newest one in flight. */
class Writes {
  private readonly inFlight: { promise: Promise<void>; resolve: () => void }[] = [];
  record(): void {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.inFlight.push({ promise, resolve });
  }
  commitOldest(): void {
    this.inFlight.shift()?.resolve();
  }
  gate = (): Promise<void> | null => this.inFlight.at(-1)?.promise ?? null;
  get pending(): number {
    return this.inFlight.length;
  }
}

const event = (n: number): Event => ({ id: String(n), msg: { type: "warning", message: `e${n}` } }) as Event;
const settle = () => new Promise((r) => setImmediate(r));

describe("EventChannel with a store gate", () => {
  it("delivers in order, each event only after everything recorded before it is stored", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("record", "emit", "commit"), { maxLength: 40 }),
        async (ops) => {
          const writes = new Writes();
          const channel = new EventChannel(writes.gate);
          const delivered: number[] = [];
          channel.subscribe((e) => delivered.push(Number(e.id)));
          // For each emitted event: how many commits must happen before it may go out.
          const needs: number[] = [];
          let recorded = 0;
          let committed = 0;
          for (const op of ops) {
            if (op === "record") {
              writes.record();
              recorded++;
            } else if (op === "commit") {
              if (writes.pending > 0) committed++;
              writes.commitOldest();
            } else {
              const before = delivered.length;
              const nothingHeld = needs.length === delivered.length;
              needs.push(recorded);
              channel.emit(event(needs.length - 1));
              // Nothing in flight and nothing held: delivered synchronously, as without a gate.
              if (nothingHeld && recorded === committed) expect(delivered.length).toBe(before + 1);
            }
            await settle();
            const ready = needs.findIndex((n) => n > committed);
            const expected = ready === -1 ? needs.length : ready;
            expect(delivered).toEqual(Array.from({ length: expected }, (_, i) => i));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("ends its streams only after the held events went out", async () => {
    const writes = new Writes();
    const channel = new EventChannel(writes.gate);
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of channel.stream()) seen.push(e.id);
    })();
    writes.record();
    channel.emit(event(1));
    channel.close();
    await settle();
    expect(seen).toEqual([]);
    writes.commitOldest();
    await reading;
    expect(seen).toEqual(["1"]);
  });
});
