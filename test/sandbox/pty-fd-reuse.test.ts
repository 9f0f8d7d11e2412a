import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { maskPtyFds, openPty, type PtyPair } from "../../src/sandbox/pty.js";

function pair(): PtyPair {
  const p = openPty();
  if ("error" in p) throw new Error(p.error);
  return p;
}

describe("pty descriptor masking", () => {
  it("keeps a new terminal masked when it reuses the numbers of one that is still closing", async () => {
    const old = pair();
    const oldFds = [old.masterFd, old.slaveFd];
    const closed = once(old.master, "close");
    old.close(); // the descriptors are closed now; the stream's "close" event comes later
    const fresh = pair();
    const freshFds = [fresh.masterFd, fresh.slaveFd];
    try {
      // The kernel hands out the lowest free numbers, so the new pair takes the old ones.
      expect(new Set(freshFds)).toEqual(new Set(oldFds));
      await closed;
      const stdio = maskPtyFds<"pipe">(["pipe", "pipe", "pipe"]);
      for (const fd of freshFds) expect(typeof stdio[fd], `fd ${fd} masked`).toBe("number");
    } finally {
      fresh.close();
      await once(fresh.master, "close");
    }
  });
});
