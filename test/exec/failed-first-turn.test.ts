// A run that fails before the model answers leaves no thread behind: `keel exec resume --last`
// and the thread list still find the last thread that has something in it. Real keel processes,
// real rollout files and index, the local model server.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FileThreadStore } from "../../src/rollout/store.js";
import { httpError, textTurn } from "../support/model-server.js";
import { closedPort, jsonLines, keel, setup } from "./support.js";

function rolloutFiles(home: string): string[] {
  const dir = path.join(home, "sessions");
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".jsonl"));
}

async function listedThreadIds(home: string): Promise<string[]> {
  const store = new FileThreadStore({ home });
  try {
    return (await store.listThreads({})).data.map((t) => t.id);
  } finally {
    await store.close();
  }
}

describe("a run that fails before the model answers", () => {
  it("missing key, unreachable server, an error on the first request: no thread kept", async () => {
    const s = await setup();
    const noRetries = [
      "-c",
      "model_providers.mock_provider.request_max_retries=0",
      "-c",
      "model_providers.mock_provider.stream_max_retries=0",
    ];
    s.server.enqueue(textTurn("Kept."));
    const kept = jsonLines(
      (await keel(["exec", "--json", "a thread worth keeping"], { cwd: s.repo, env: s.env })).stdout,
    )[0].thread_id as string;

    const missingKey = ["-c", 'model_providers.mock_provider.env_key="KEEL_TEST_MISSING_KEY"'];
    const unreachable = [
      "-c",
      `model_providers.mock_provider.base_url="http://127.0.0.1:${await closedPort()}/v1"`,
    ];
    s.server.enqueue(httpError(400, "refused by the test"));
    for (const extra of [missingKey, unreachable, []]) {
      const r = await keel(["exec", ...noRetries, ...extra, "this one fails"], { cwd: s.repo, env: s.env });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/ERROR: /);
    }
    expect(s.server.modelRequests()).toHaveLength(2);
    expect(rolloutFiles(s.home)).toHaveLength(1);
    expect(await listedThreadIds(s.home)).toEqual([kept]);

    s.server.enqueue(textTurn("Resumed."));
    const resumed = await keel(["exec", "--json", "resume", "--last", "go on"], { cwd: s.repo, env: s.env });
    expect(jsonLines(resumed.stdout)[0]).toEqual({ type: "thread.started", thread_id: kept });
  });

  it("a resumed thread whose turn fails is kept as it was, and so is an answered turn that then fails", async () => {
    const s = await setup();
    s.server.enqueue(textTurn("First."));
    const first = await keel(["exec", "--json", "start"], { cwd: s.repo, env: s.env });
    const id = jsonLines(first.stdout)[0].thread_id as string;
    s.server.enqueue(httpError(400, "refused by the test"));
    const failed = await keel(["exec", "resume", id, "again"], { cwd: s.repo, env: s.env });
    expect(failed.code).toBe(1);
    expect(await listedThreadIds(s.home)).toEqual([id]);

    // The model streamed an answer, then the stream failed: what it said is worth resuming.
    s.server.enqueue(
      textTurn("Half an answer", { end: { status: "failed", code: "server_error", message: "boom" } }),
    );
    const partial = await keel(
      ["exec", "-c", "model_providers.mock_provider.stream_max_retries=0", "--json", "partial"],
      { cwd: s.repo, env: s.env },
    );
    expect(partial.code).toBe(1);
    const partialId = jsonLines(partial.stdout)[0].thread_id as string;
    expect((await listedThreadIds(s.home)).sort()).toEqual([id, partialId].sort());
  });
});
