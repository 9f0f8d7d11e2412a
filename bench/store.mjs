// PostgreSQL store benchmarks (run after `npm run build`): node bench/store.mjs
// Needs a PostgreSQL server: KEEL_BENCH_PG_URL (default postgres://keel:keel@127.0.0.1:5432/postgres,
// a role that may create databases). Works in a fresh database, dropped at the end.
// Prints medians as JSON. Targets: first page over 1,000,000 threads < 20 ms, resume of a
// 10,000-item thread < 150 ms. Also: appends/s with 200 threads writing at once on 3 servers
// (3 processes), and failover time (holder killed with SIGKILL → another server resumed).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { PostgresThreadStore } from "../dist/store/postgres/store.js";

const ADMIN_URL = process.env.KEEL_BENCH_PG_URL ?? "postgres://keel:keel@127.0.0.1:5432/postgres";
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const THREADS = Number(process.env.BENCH_STORE_THREADS ?? 1_000_000);
const WRITERS = 200;
const SERVERS = 3;
const APPEND_SECONDS = Number(process.env.BENCH_APPEND_SECONDS ?? 5);
const FAILOVERS = Number(process.env.BENCH_FAILOVERS ?? 3);
const self = fileURLToPath(import.meta.url);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)] * 100) / 100;
};

const said = (text) => ({
  type: "event_msg",
  payload: { type: "user_message", message: text, images: [], local_images: [], text_elements: [] },
});

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function timed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

// ------------------------------------------------------------------------------------------
// Child roles: a writer server and a lease holder, each its own process (its own pool, its own
// server id), as separate app-servers would be.

async function writerRole(url, count) {
  const store = new PostgresThreadStore({ url, poolSize: 10 });
  const recorders = [];
  for (let i = 0; i < count; i++) {
    const r = store.createThread({ cwd: "/bench", modelProvider: null });
    await r.record([said("first")]);
    recorders.push(r);
  }
  process.stdout.write("ready\n");
  await new Promise((resolve) => process.stdin.once("data", resolve));
  const end = performance.now() + APPEND_SECONDS * 1000;
  let appends = 0;
  await Promise.all(
    recorders.map(async (r) => {
      while (performance.now() < end) {
        await r.record([said(`item ${appends}`)]);
        appends++;
      }
    }),
  );
  process.stdout.write(`${JSON.stringify({ appends })}\n`);
  await store.close();
}

async function holderRole(url) {
  const store = new PostgresThreadStore({ url });
  const r = store.createThread({ cwd: "/bench", modelProvider: null });
  await r.record([said("held")]);
  process.stdout.write(`${JSON.stringify({ threadId: r.threadId })}\n`);
  await new Promise(() => {}); // until killed
}

function child(args) {
  const proc = spawn(process.execPath, [self, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = [];
  const waiters = [];
  let buffer = "";
  proc.stdout.setEncoding("utf8").on("data", (chunk) => {
    buffer += chunk;
    for (let nl = buffer.indexOf("\n"); nl !== -1; nl = buffer.indexOf("\n")) {
      lines.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      waiters.shift()?.();
    }
  });
  const line = async () => {
    while (lines.length === 0) await new Promise((r) => waiters.push(r));
    return lines.shift();
  };
  return { proc, line };
}

// ------------------------------------------------------------------------------------------

async function listFirstPage(url, pool) {
  const store = new PostgresThreadStore({ url });
  await store.ready();
  const t = performance.now();
  // One statement: ids, times and cwds spread like real use (10 projects, a year of updates).
  await pool.query(
    `INSERT INTO keel_threads (id, rollout_path, cwd, preview, source, source_kind, created_at_ms,
       updated_at_ms, cli_version, model_provider)
     SELECT md5(g::text)::uuid::text, 'pg:/sessions/x/rollout-' || g || '.jsonl', '/proj/' || (g % 10),
       'thread ' || g, '"vscode"', 'vscode', 1700000000000 + g * 31, 1700000000000 + (g * 7919) % 31536000000,
       '0.1.0', 'openai'
     FROM generate_series(1::bigint, $1::bigint) AS g`,
    [THREADS],
  );
  await pool.query("ANALYZE keel_threads");
  const loadMs = performance.now() - t;
  await store.listThreads({ limit: 25 });
  const first = [];
  const filtered = [];
  for (let i = 0; i < RUNS; i++) {
    first.push(await timed(() => store.listThreads({ limit: 25 })));
    filtered.push(await timed(() => store.listThreads({ limit: 25, cwd: "/proj/3" })));
  }
  await store.close();
  return {
    threads: THREADS,
    loadMs: Math.round(loadMs),
    firstPageMs: median(first),
    cwdFirstPageMs: median(filtered),
  };
}

async function resume10k(url) {
  const store = new PostgresThreadStore({ url });
  const r = store.createThread({ cwd: "/bench", modelProvider: null });
  const batch = [];
  for (let i = 0; i < 9_999; i++) batch.push(said(`message ${i} ${"x".repeat(120)}`));
  await r.record(batch);
  const threadId = r.threadId;
  await r.close();
  const times = [];
  for (let i = -1; i < RUNS; i++) {
    const ms = await timed(async () => {
      const opened = await store.resumeThread({ threadId });
      await opened.recorder.close();
    });
    if (i >= 0) times.push(ms);
  }
  await store.close();
  return { items: 10_000, resumeMs: median(times) };
}

async function appends(url) {
  const per = Math.ceil(WRITERS / SERVERS);
  const servers = Array.from({ length: SERVERS }, () => child(["--writer", url, String(per)]));
  for (const s of servers) await s.line();
  for (const s of servers) s.proc.stdin.write("go\n");
  const counts = [];
  for (const s of servers) counts.push(JSON.parse(await s.line()).appends);
  const total = counts.reduce((a, b) => a + b, 0);
  return {
    servers: SERVERS,
    threads: per * SERVERS,
    seconds: APPEND_SECONDS,
    appendsPerSecond: Math.round(total / APPEND_SECONDS),
  };
}

async function failover(url) {
  const times = [];
  const taker = new PostgresThreadStore({ url });
  await taker.ready();
  for (let i = 0; i < FAILOVERS; i++) {
    const holder = child(["--holder", url]);
    const { threadId } = JSON.parse(await holder.line());
    const killedAt = performance.now();
    holder.proc.kill("SIGKILL");
    for (;;) {
      try {
        const opened = await taker.resumeThread({ threadId });
        times.push(performance.now() - killedAt);
        await opened.recorder.close();
        break;
      } catch (error) {
        if (error?.code !== "THREAD_LEASED") throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  await taker.close();
  return { runs: FAILOVERS, leaseTtlMs: 6000, failoverMs: median(times) };
}

async function main() {
  const [role, roleUrl, count] = process.argv.slice(2);
  if (role === "--writer") return writerRole(roleUrl, Number(count));
  if (role === "--holder") return holderRole(roleUrl);

  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    process.stdout.write(
      `${JSON.stringify({ skipped: `no PostgreSQL at the bench URL: ${error.message}` })}\n`,
    );
    return;
  }
  const name = `keel_bench_${randomBytes(5).toString("hex")}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(ADMIN_URL, name);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on("error", (error) => process.stderr.write(`bench pool: ${error.message}\n`));
  const results = {};
  const step = (name) => process.stderr.write(`[store bench] ${name}\n`);
  try {
    step("list");
    results.list = await listFirstPage(url, pool);
    step("resume");
    results.resume = await resume10k(url);
    step("appends");
    results.appends = await appends(url);
    step("failover");
    results.failover = await failover(url);
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
  process.stdout.write(`${JSON.stringify({ runs: RUNS, results }, null, 2)}\n`);
}

await main();
