import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { textTurn } from "../support/model-server.js";
import { jsonLines, keel, setup } from "./support.js";

describe("keel exec and history.jsonl", () => {
  it("records the prompt as one owner-only line with the thread id", async () => {
    const s = await setup();
    s.server.enqueue(textTurn("hi"));
    const r = await keel(["exec", "--json", "remember this prompt"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    const threadId = jsonLines(r.stdout).find((e) => e.type === "thread.started")!.thread_id;
    const file = path.join(s.home, "history.jsonl");
    const [line, ...rest] = fs.readFileSync(file, "utf8").split("\n");
    expect(rest).toEqual([""]);
    expect(Object.keys(JSON.parse(line!))).toEqual(["session_id", "ts", "text"]);
    expect(JSON.parse(line!)).toMatchObject({ session_id: threadId, text: "remember this prompt" });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('[history] persistence = "none" keeps prompts off the disk', async () => {
    const s = await setup();
    fs.appendFileSync(path.join(s.home, "config.toml"), '\n[history]\npersistence = "none"\n');
    s.server.enqueue(textTurn("hi"));
    expect((await keel(["exec", "secret prompt"], { cwd: s.repo, env: s.env })).code).toBe(0);
    expect(fs.existsSync(path.join(s.home, "history.jsonl"))).toBe(false);
  });
});
