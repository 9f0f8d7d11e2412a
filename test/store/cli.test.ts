// `--store` / config selection, `keel store migrate|check`, and password redaction: real keel
// processes, a real PostgreSQL database (made and dropped here) and the local model server.
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { FileThreadStore } from "../../src/rollout/store.js";
import { PostgresThreadStore } from "../../src/store/postgres/store.js";
import { textTurn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { closedPort, jsonLines, keel, setup } from "../exec/support.js";
import { ev, turn } from "../rollout/builders.js";
import { testDatabase } from "../support/postgres.js";

const db = await testDatabase();

function rolloutFiles(home: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const dir of ["sessions", "archived_sessions"]) {
    const root = path.join(home, dir);
    if (!fs.existsSync(root)) continue;
    for (const f of fs.readdirSync(root, { recursive: true, encoding: "utf8" })) {
      if (f.endsWith(".jsonl")) out.set(path.join(dir, f), fs.readFileSync(path.join(root, f)));
    }
  }
  return out;
}

/** The URL without its password: the tests pass the password the documented way. */
function withoutPassword(url: string): { url: string; password: string } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = "";
  return { url: u.toString(), password };
}

describe.skipIf(!db.available)("PostgreSQL store from the command line", () => {
  it("keel exec --store runs, stores and resumes a thread in PostgreSQL, none in files; config.toml selects it too", async () => {
    const s = await setup();
    const { url, password } = withoutPassword(db.url);
    const env = { ...s.env, KEEL_STORE_PASSWORD: password };
    s.server.enqueue(textTurn("Stored in postgres."));
    const first = await keel(["exec", "--json", "--store", url, "hello postgres"], { cwd: s.repo, env });
    expect(first.code, first.stderr).toBe(0);
    const threadId = jsonLines(first.stdout)[0].thread_id as string;
    expect(rolloutFiles(s.home).size).toBe(0);

    // No flag: `[store] url` in config.toml.
    fs.appendFileSync(path.join(s.home, "config.toml"), `\n[store]\nurl = "${url}"\n`);
    s.server.enqueue(textTurn("Resumed from postgres."));
    const again = await keel(["exec", "--json", "resume", "--last", "and again"], { cwd: s.repo, env });
    expect(again.code, again.stderr).toBe(0);
    expect(jsonLines(again.stdout)[0]).toEqual({ type: "thread.started", thread_id: threadId });
    expect(rolloutFiles(s.home).size).toBe(0);

    const store = new PostgresThreadStore({ url: db.url });
    try {
      const read = await store.readThread({ threadId }, { includeTurns: true });
      expect(read.turns).toHaveLength(2);
      expect(read.metadata.preview).toBe("hello postgres");
      const messages = read.rollout.lines.flatMap((l) =>
        l.type === "event_msg" && l.payload.type === "agent_message" ? [l.payload.message] : [],
      );
      expect(messages).toEqual(["Stored in postgres.", "Resumed from postgres."]);
    } finally {
      await store.close();
    }
  });

  it("migrates files → PostgreSQL → files losslessly (byte-identical rollouts), and check finds differences", async () => {
    const { url, password } = withoutPassword(db.url);
    const home = tempDir();
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      KEEL_HOME: home,
      KEEL_STORE_PASSWORD: password,
    };
    const files = new FileThreadStore({ home });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const rec = files.createThread({ cwd: `/p${i % 2}`, modelProvider: "openai" });
      await rec.record(turn(`a${i}`, `first ${i}`, "one").filter((x) => x.type !== "session_meta"));
      await rec.record(turn(`b${i}`, `second ${i}`, "two").filter((x) => x.type !== "session_meta"));
      await rec.record([ev("thread_name_updated", { thread_id: rec.threadId, thread_name: `named ${i}` })]);
      await rec.close();
      ids.push(rec.threadId);
    }
    await files.setThreadName(ids[1]!, "renamed");
    await files.updateGitInfo(ids[2]!, { gitBranch: "feature", gitSha: "abc123" });
    await files.archiveThread(ids[3]!);
    await files.close();
    const before = rolloutFiles(home);
    expect(before.size).toBe(4);

    // A fresh schema for this test: the other test's thread lives in the database already.
    const admin = new pg.Client(db.url);
    admin.on("error", () => undefined); // dropped with the database after a failure
    await admin.connect();
    await admin.query("TRUNCATE keel_threads CASCADE").catch(() => undefined);

    const toPg = await keel(["store", "migrate", "--from", "files", "--to", url], { cwd: home, env });
    expect(toPg.code, toPg.stderr).toBe(0);
    expect(toPg.stdout).toMatch(/copied 4 threads/);
    const rerun = await keel(["store", "migrate", "--from", "files", "--to", url], { cwd: home, env });
    expect(rerun.stdout).toMatch(/copied 0 threads .*; 4 already there/);
    const check = await keel(["store", "check", "--from", "files", "--to", url], { cwd: home, env });
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toMatch(/4 threads in files, 4 in .*: identical/);

    const home2 = tempDir();
    const env2 = { ...env, HOME: home2, KEEL_HOME: home2 };
    const back = await keel(["store", "migrate", "--from", url, "--to", "files"], { cwd: home2, env: env2 });
    expect(back.code, back.stderr).toBe(0);
    const after = rolloutFiles(home2);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [file, bytes] of before) expect(after.get(file)!.equals(bytes), file).toBe(true);
    const restored = new FileThreadStore({ home: home2 });
    try {
      expect(await restored.getThreadName(ids[1]!)).toBe("renamed");
      expect(await restored.getThreadMetadata(ids[2]!)).toMatchObject({
        gitBranch: "feature",
        gitSha: "abc123",
      });
      expect((await restored.listThreads({ archived: true })).data.map((t) => t.id)).toEqual([ids[3]]);
    } finally {
      await restored.close();
    }

    // A lost line and a changed name are both reported, with a non-zero exit.
    await admin.query("DELETE FROM keel_items WHERE thread_id = $1 AND seq = 3", [ids[0]]);
    await admin.query("UPDATE keel_threads SET name = 'other' WHERE id = $1", [ids[2]]);
    await admin.end();
    const bad = await keel(["store", "check", "--from", "files", "--to", url], { cwd: home, env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`${ids[0]}: `);
    expect(bad.stdout).toContain(`${ids[2]}: name is "named 2" in the source, "other" in the target`);
  });
});

describe("store URLs and passwords never reach the output", () => {
  it("a password in the URL or in KEEL_STORE_PASSWORD is masked in every failure message", async () => {
    const s = await setup();
    const port = await closedPort();
    const secret = "Sup3r-s3cret-pw";
    const url = `postgres://keel:${secret}@127.0.0.1:${port}/keel`;
    const env = { ...s.env, KEEL_STORE_PASSWORD: "An0ther-s3cret" };
    const runs = [
      await keel(["store", "check", "--from", "files", "--to", url], { cwd: s.repo, env }),
      await keel(["exec", "--store", url, "hello"], { cwd: s.repo, env }),
      await keel(["exec", "--store", `mysql://keel:${secret}@host/db`, "hello"], { cwd: s.repo, env }),
      await keel(["store", "migrate", "--from", `postgres://keel:${secret}@[bad`, "--to", "files"], {
        cwd: s.repo,
        env,
      }),
    ];
    for (const r of runs) {
      const out = r.stdout + r.stderr;
      expect(r.code, out).not.toBe(0);
      expect(out).not.toContain(secret);
      expect(out).not.toContain("An0ther-s3cret");
    }
    expect(runs[0]!.stderr).toContain(`postgres://keel:***@127.0.0.1:${port}/keel`);
    expect(runs[2]!.stderr).toMatch(/unsupported store/);
  });
});
