import { describe, expect, it } from "vitest";
import { readRolloutFile, FileThreadStore } from "../../src/rollout/index.js";
import { ThreadLockedError } from "../../src/rollout/lock.js";
import { buildTurns } from "../../src/rollout/turns.js";
import { tempDir } from "../support/tmp.js";
import { turn } from "./builders.js";

const turnItems = (id: string, text: string) =>
  turn(id, text, `re: ${text}`).filter((i) => i.type !== "session_meta");

async function threadWithTurns(store: FileThreadStore, ids: string[]): Promise<string> {
  const rec = store.createThread({ cwd: "/p", modelProvider: "m", persistExtendedHistory: true });
  for (const id of ids) await rec.record(turnItems(id, `msg ${id}`));
  await rec.close();
  return rec.threadId;
}

describe("thread/revert against a writer opening the thread", () => {
  it("a resume started while a revert is rewriting the rollout is refused, not handed the old history", async () => {
    const store = new FileThreadStore({ home: tempDir() });
    const threadId = await threadWithTurns(store, ["t1", "t2", "t3"]);
    // Both start in the same tick: the revert is between its checks and its rewrite when the
    // resume asks for the thread.
    const reverting = store.revertThread(threadId, "t2");
    const resuming = store.resumeThread({ threadId });
    const [reverted, resumed] = await Promise.allSettled([reverting, resuming]);
    expect(reverted.status).toBe("fulfilled");
    expect(resumed.status).toBe("rejected");
    expect((resumed as PromiseRejectedResult).reason).toBeInstanceOf(ThreadLockedError);
    const file = store.findRolloutPath(threadId)!;
    expect(buildTurns((await readRolloutFile(file)).lines).map((t) => t.id)).toEqual(["t1"]);
    // Once the revert is done the thread opens normally, with the cut history.
    const after = await store.resumeThread({ threadId });
    expect(buildTurns(after.items).map((t) => t.id)).toEqual(["t1"]);
    await store.close();
  });
});
