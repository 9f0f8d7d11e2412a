import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { lockPath, readRolloutFile, ThreadLockedError, FileThreadStore } from "../../src/rollout/index.js";
import { tempDir } from "../support/tmp.js";
import { type Child, killHard, spawnWriter } from "./support.js";

const children: Child[] = [];
afterEach(async () => {
  for (const c of children.splice(0))
    if (c.proc.exitCode === null && c.proc.signalCode === null) await killHard(c);
});

async function writer(command: Record<string, unknown>): Promise<Child> {
  const child = await spawnWriter(command);
  children.push(child);
  return child;
}

const itemTexts = (lines: { type: string; payload: unknown }[]) =>
  lines
    .filter((l) => l.type === "response_item")
    .map((l) =>
      ((l.payload as { content: { text: string }[] }).content[0]?.text ?? "")
        .split(" ")
        .slice(0, 2)
        .join(" "),
    );

const acked = (child: Child) =>
  child.lines.filter((l) => l.startsWith("ack ")).map((l) => `item ${l.slice(4)}`);

/** Resume after the crash, append one item, and return what a fresh reader sees. */
async function resumeAndAppend(home: string, threadId: string) {
  const store = new FileThreadStore({ home });
  const opened = await store.resumeThread({ threadId });
  await opened.recorder.record([
    {
      type: "response_item",
      payload: { type: "message", role: "user", content: [{ type: "input_text", text: "after crash" }] },
    },
  ]);
  await store.close();
  const reread = await readRolloutFile(opened.recorder.path!);
  return { opened, reread };
}

describe("crash safety (kill -9 of a real writer process)", () => {
  it("loses nothing when killed while idle after its first item", async () => {
    const home = tempDir();
    const child = await writer({ home, action: "create", count: 1, after: "hang" });
    const [, threadId, file] = (await child.waitFor(/^thread /)).split(" ");
    await child.waitFor(/^idle$/);
    await killHard(child);
    const { opened, reread } = await resumeAndAppend(home, threadId!);
    expect(opened.warnings).toEqual([]);
    expect(opened.recorder.path).toBe(file);
    expect(reread.lines[0]?.type).toBe("session_meta");
    expect(itemTexts(reread.lines)).toEqual(["item 0", "after crash"]);
  });

  it("skips and reports a torn final line (killed mid-line) and appends on a fresh line", async () => {
    const home = tempDir();
    const child = await writer({ home, action: "create", count: 5, after: "partial" });
    const [, threadId, file] = (await child.waitFor(/^thread /)).split(" ");
    await child.waitFor(/^partial$/);
    await killHard(child);

    const before = await readRolloutFile(file!);
    expect(before.warnings.map((w) => w.kind)).toEqual(["torn_final_line"]);
    expect(before.endsWithNewline).toBe(false);

    const { opened, reread } = await resumeAndAppend(home, threadId!);
    expect(opened.warnings.map((w) => w.kind)).toEqual(["torn_final_line"]);
    expect(itemTexts(opened.items)).toEqual(acked(child));
    // The torn fragment is now an ordinary bad line in the middle; the new item is intact.
    expect(itemTexts(reread.lines)).toEqual([...acked(child), "after crash"]);
    expect(reread.warnings.map((w) => w.kind)).toEqual(["invalid_json"]);
    expect(reread.endsWithNewline).toBe(true);
  });

  it.each([
    [8 << 20, 2, 0],
    [8 << 20, 9, 7],
    [100, 300, 0],
    [100, 200, 13],
  ])(
    "keeps every acknowledged item when killed while writing %i-byte items",
    async (itemBytes, after, delayMs) => {
      const home = tempDir();
      const child = await writer({ home, action: "create", count: 0, itemBytes, after: "loop" });
      const [, threadId] = (await child.waitFor(/^thread /)).split(" ");
      // Generous bound: on a loaded CI machine each acknowledged append waits for the disk.
      await child.waitFor(new RegExp(`^ack ${after}$`), 60_000);
      await new Promise((r) => setTimeout(r, delayMs));
      await killHard(child);
      const ackedItems = acked(child);

      const { opened, reread } = await resumeAndAppend(home, threadId!);
      const recovered = itemTexts(opened.items);
      // Everything acknowledged survived, in order; at most the one in flight may be extra.
      expect(recovered.slice(0, ackedItems.length)).toEqual(ackedItems);
      expect(recovered.length - ackedItems.length).toBeLessThanOrEqual(1);
      expect(opened.warnings.every((w) => w.kind === "torn_final_line")).toBe(true);
      expect(itemTexts(reread.lines)).toEqual([...recovered, "after crash"]);
    },
    90_000,
  );
});

describe("one writer per thread across processes", () => {
  it("refuses a second process while the first holds the thread", async () => {
    const home = tempDir();
    const first = await writer({ home, action: "create", count: 2, after: "hang" });
    const [, threadId] = (await first.waitFor(/^thread /)).split(" ");
    await first.waitFor(/^idle$/);

    const second = await writer({ home, action: "resume", threadId });
    expect(await second.waitFor(/^locked /)).toMatch(/being written by another process \(pid \d+/);
    expect(await second.exited).toBe(3);

    // The same refusal in this process, as a typed error.
    const store = new FileThreadStore({ home });
    await expect(store.resumeThread({ threadId: threadId! })).rejects.toBeInstanceOf(ThreadLockedError);
    await store.close();
  });

  it("takes over the lock of a writer that was killed, and the other way round blocks the child", async () => {
    const home = tempDir();
    const first = await writer({ home, action: "create", count: 1, after: "hang" });
    const [, threadId] = (await first.waitFor(/^thread /)).split(" ");
    await first.waitFor(/^idle$/);
    await killHard(first);
    expect(fs.existsSync(lockPath(home, threadId!))).toBe(true); // left behind by kill -9

    const store = new FileThreadStore({ home });
    const opened = await store.resumeThread({ threadId: threadId! });
    const owner = JSON.parse(fs.readFileSync(lockPath(home, threadId!), "utf8")) as { pid: number };
    expect(owner.pid).toBe(process.pid);

    const child = await writer({ home, action: "resume", threadId });
    await child.waitFor(/^locked /);
    expect(await child.exited).toBe(3);

    await opened.recorder.close();
    expect(fs.existsSync(lockPath(home, threadId!))).toBe(false);
    const again = await writer({ home, action: "resume", threadId });
    await again.waitFor(/^opened$/);
    await store.close();
  });

  it("refuses a second writer in the same process", async () => {
    const home = tempDir();
    const store = new FileThreadStore({ home });
    const rec = store.createThread({ cwd: "/w", modelProvider: "p" });
    await rec.record([{ type: "event_msg", payload: { type: "user_message", message: "hi" } }]);
    await expect(store.resumeThread({ threadId: rec.threadId })).rejects.toThrow(
      /already has an open writer/,
    );
    await store.close();
  });
});
