import fs from "node:fs";
import path from "node:path";
import type { TestContext } from "vitest";
import { FileThreadStore } from "../../src/rollout/index.js";
import type { ThreadRecorder } from "../../src/rollout/recorder.js";
import { fillUp, type Tmpfs } from "../support/tmpfs.js";

export interface ThreadOnTmpfs {
  recorder: ThreadRecorder;
  /** Fills the tmpfs until not one more byte fits. */
  fill(): void;
  /** Gives the space back. */
  unfill(): void;
}

/**
 * Runs `body` with a new thread whose home is on the tmpfs (skips the test where no tmpfs can be
 * mounted); afterwards the space is given back and the home removed, whatever happened.
 */
export async function withThreadOnTmpfs(
  ctx: TestContext,
  tmpfs: Tmpfs,
  body: (thread: ThreadOnTmpfs) => Promise<void>,
): Promise<void> {
  const root = tmpfs.mountPoint;
  if (!root) {
    ctx.skip(`cannot mount a tmpfs here: ${tmpfs.refused}`);
    return;
  }
  const home = fs.mkdtempSync(path.join(root, "home-"));
  const store = new FileThreadStore({ home, reconcileOnOpen: false });
  let filler: string | null = null;
  const unfill = () => {
    if (filler) fs.rmSync(filler);
    filler = null;
  };
  try {
    const recorder = store.createThread({ cwd: "/w", modelProvider: "openai" });
    await body({ recorder, fill: () => (filler = fillUp(root)), unfill });
  } finally {
    unfill();
    await store.close().catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  }
}
