// Renders bench results (the object written to latest.json) as markdown.

const fmt = (v, unit) => {
  if (v === undefined || v === null) return "–";
  if (unit === "MiB") return (v / 1024).toFixed(1);
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
};

function comparedTable(rows) {
  const out = ["| metric | keel | Codex | keel/Codex | target | |", "|---|--:|--:|--:|--:|---|"];
  for (const r of rows) {
    const unit = r.unit === "MiB" ? " MiB" : " ms";
    const met = r.met === undefined ? "" : r.met ? "met" : "**not met**";
    out.push(
      `| ${r.label} | ${fmt(r.keel, r.unit)}${r.keel === undefined ? "" : unit} | ${fmt(r.codex, r.unit)}${
        r.codex === undefined ? "" : unit
      } | ${r.ratio === undefined ? "–" : r.ratio.toFixed(2)} | ${r.target === null ? "" : `≤ ${r.target.toFixed(2)}`} | ${met} |`,
    );
  }
  return out.join("\n");
}

function keelOnly(k) {
  const out = ["| keel alone | result |", "|---|--:|"];
  const add = (label, v) => out.push(`| ${label} | ${v} |`);
  const ms = (v) => (typeof v === "number" ? `${v.toFixed(1)} ms` : "–");
  if (k.rollout?.results) {
    const r = k.rollout.results;
    add("resume of a 10,000-item thread (rollout store)", ms(r.resume10kItemsMs));
    add("list 10,000 threads: cold open + first page of 50", ms(r.coldOpenAndFirstPageMs));
    add("list 10,000 threads: first page of 50 (warm)", ms(r.firstPage50Of10kMs));
    add("list 10,000 threads: page 100 (cursor)", ms(r.page100Of10kMs));
    add("rebuild the index of 10,000 rollout files", ms(r.rebuild10kFilesMs));
  } else if (k.rollout?.error) add("rollout bench", `failed: ${k.rollout.error}`);
  if (k.store?.results) {
    const r = k.store.results;
    add("PostgreSQL: thread/list first page over 1,000,000 threads", ms(r.list?.firstPageMs));
    add("PostgreSQL: … filtered by cwd", ms(r.list?.cwdFirstPageMs));
    add("PostgreSQL: resume of a 10,000-item thread", ms(r.resume?.resumeMs));
    add(
      "PostgreSQL: appends/s, 200 threads writing at once on 3 servers",
      String(r.appends?.appendsPerSecond ?? "–"),
    );
    add("PostgreSQL: failover (holder killed → resumed elsewhere; lease 6 s)", ms(r.failover?.failoverMs));
  } else if (k.store?.skipped) add("PostgreSQL store bench", `skipped: ${k.store.skipped}`);
  else if (k.store?.error) add("PostgreSQL store bench", `failed: ${k.store.error}`);
  if (Array.isArray(k.sandbox?.rows)) {
    for (const row of k.sandbox.rows.filter(
      (r) => r.layout === "grouped" && [0, 1000, 5000].includes(r.denied),
    )) {
      add(
        `sandbox launch, ${row.denied.toLocaleString("en")} denied files (added over a plain spawn)`,
        row.refused ? `refused: ${row.refused}` : `${ms(row.addedMs)} (${ms(row.sandboxedMs)} total)`,
      );
    }
    for (const row of k.sandbox.rows.filter((r) => r.layout === "scattered" && r.denied === 5000)) {
      add("sandbox launch, 5,000 scattered denied files (added)", row.refused ? "refused" : ms(row.addedMs));
    }
  } else if (k.sandbox?.error) add("sandbox bench", `failed: ${k.sandbox.error}`);
  for (const [side, c] of Object.entries(k.concurrent ?? {})) {
    const errs =
      c.errors.length === 0 ? "no errors" : `${c.errors.length} errors (${c.errors[0].slice(0, 120)})`;
    const label = side === "keel" ? "20 concurrent turns on one server" : "… same on Codex (reference)";
    add(label, `${c.completed}/${c.turns} completed, ${ms(c.wallMs)} wall, ${errs}`);
  }
  return out.join("\n");
}

const MiBOf = (kb) => (typeof kb === "number" ? `${(kb / 1024).toFixed(1)} MiB` : "–");

/** What reaches the model of `seq 1 6000` (28,893 bytes), and memory while a command prints 500 MB. */
function toolOutputTables(t) {
  if (t.error) return `Tool output bench failed: ${t.error}`;
  const bytes = (side) =>
    side?.bytes === undefined ? `failed: ${side?.error ?? "not run"}` : `${side.bytes} B`;
  const out = [
    `| \`${t.command}\` → function_call_output | keel | Codex |`,
    "|---|--:|--:|",
    ...t.modelFacing.map(
      (r) =>
        `| ${r.model}, ${r.toolOutputTokenLimit === null ? "default budget" : `tool_output_token_limit = ${r.toolOutputTokenLimit}`} | ${bytes(r.keel)} | ${bytes(r.codex)} |`,
    ),
  ];
  const big = t.bigOutput ?? {};
  if (big.keel || big.codex) {
    const cell = (side, f) =>
      side === undefined ? "–" : side.error ? `failed: ${side.error.slice(0, 80)}` : f(side);
    const row = (label, f) => out.push(`| ${label} | ${cell(big.keel, f)} | ${cell(big.codex, f)} |`);
    out.push("", `| a turn whose command prints 500 MB | keel | Codex |`, "|---|--:|--:|");
    row("server RSS idle", (s) => MiBOf(s.idleRssKb));
    row(`server peak RSS above idle (target < ${t.targetAboveIdleMiB} MiB)`, (s) => `${s.aboveIdleMiB} MiB`);
    row("process tree peak RSS (with the command)", (s) => MiBOf(s.treePeakRssKb));
    row("`aggregatedOutput` of the item", (s) => `${s.aggregatedOutputBytes} B`);
    row("output deltas sent", (s) => `${(s.deltaBytes / 2 ** 20).toFixed(1)} MiB`);
    row("function_call_output to the model", (s) => `${s.modelBytes} B`);
    row("turn", (s) => `${(s.turnMs / 1000).toFixed(1)} s`);
  }
  return out.join("\n");
}

/** MCP side by side (bench/mcp.mjs): start-up with five servers and one tool call in a turn. */
function mcpTable(t) {
  if (t.error) return `MCP bench failed: ${t.error}`;
  const rows = [
    ["threadStartReplyMs", `\`thread/start\` reply, ${t.servers} MCP servers configured`, 0.5],
    ["allServersReadyMs", `… until all ${t.servers} servers are \`ready\``, null],
    ["mcpCallMs", "one MCP tool call in a turn (`mcpToolCall` started → completed)", 0.5],
    ["mcpTurnMs", "… the whole turn (two model requests)", null],
  ];
  return comparedTable(
    rows.map(([key, label, target]) => {
      const s = t.summary?.[key] ?? {};
      const met = target === null || s.ratio === undefined ? undefined : s.ratio <= target;
      return { label, unit: "ms", keel: s.keel, codex: s.codex, ratio: s.ratio, target, met };
    }),
  );
}

/** Start-up with 20 skills and 5 hooks side by side (bench/startup.mjs). */
function startupTable(t) {
  if (t.error) return `Start-up bench failed: ${t.error}`;
  const rows = [
    ["threadStartMs", `\`thread/start\` reply, ${t.skills} skills and ${t.hooks} hooks configured`],
    ["firstTurnMs", "… the first turn (turn/start → turn/completed; 3 hooks run)"],
  ];
  return comparedTable(
    rows.map(([key, label]) => {
      const s = t.summary?.[key] ?? {};
      return {
        label,
        unit: "ms",
        keel: s.keel,
        codex: s.codex,
        ratio: s.ratio,
        target: null,
        met: undefined,
      };
    }),
  );
}

/** keel's first turn with and without the start-up prewarm (bench/prewarm.mjs). */
function prewarmTable(p) {
  if (p.error) return `Prewarm bench failed: ${p.error}`;
  const ms = (v) => (typeof v === "number" ? `${v.toFixed(0)} ms` : "–");
  return [
    `| keel first turn, ${p.delayMs} ms to open a connection, turn ${p.thinkMs} ms after thread/start (medians) | result |`,
    "|---|--:|",
    `| without prewarm | ${ms(p.summary?.coldFirstTurnMs)} |`,
    `| with \`KEEL_STARTUP_PREWARM=1\` | ${ms(p.summary?.prewarmFirstTurnMs)} |`,
  ].join("\n");
}

/** exec_command that yields a session, and a write_stdin round trip (bench/unified-exec.mjs). */
function unifiedExecTable(u) {
  if (u.error) return `Unified exec bench failed: ${u.error}`;
  const ms = (v) => (typeof v === "number" ? `${v.toFixed(0)} ms` : "–");
  const ratio = (v) => (typeof v === "number" ? v.toFixed(2) : "–");
  const out = [
    "| unified exec (medians) | keel | Codex | keel/Codex | above the fixed wait | target |",
    "|---|--:|--:|--:|--:|--:|",
  ];
  for (const [label, r] of [
    ["`exec_command` yielding a session (`cat`, tty, yield 250 ms)", u.execCommand],
    ['`write_stdin` round trip ("ping\\n", yield 250 ms)', u.writeStdin],
  ]) {
    out.push(
      `| ${label} | ${ms(r.keel)} | ${ms(r.codex)} | ${ratio(r.ratio)} | ${ratio(r.ratioAboveFixedWait)} | ≤ ${u.target.toFixed(2)} |`,
    );
  }
  if (u.errors?.length) out.push("", ...u.errors.map((e) => `- ${e}`));
  return out.join("\n");
}

/** Added latency of the managed network proxy (bench/network-proxy.mjs). */
function networkProxyTable(p) {
  if (p.error) return `Network proxy bench failed: ${p.error}`;
  const ms = (v) => (typeof v === "number" ? `${v.toFixed(3)} ms` : "–");
  return [
    `| HTTP GET on loopback, fresh connection (median of ${p.runs}) | median | p90 | added (median) |`,
    "|---|--:|--:|--:|",
    `| direct | ${ms(p.medianMs.direct)} | ${ms(p.p90Ms.direct)} | – |`,
    `| through the proxy (absolute URI) | ${ms(p.medianMs.proxiedHttp)} | ${ms(p.p90Ms.proxiedHttp)} | ${ms(p.addedMs.http)} |`,
    `| through a CONNECT tunnel | ${ms(p.medianMs.proxiedConnect)} | ${ms(p.p90Ms.proxiedConnect)} | ${ms(p.addedMs.connect)} |`,
    `| HTTPS GET through a CONNECT tunnel | ${ms(p.medianMs.httpsTunnel)} | ${ms(p.p90Ms.httpsTunnel)} | – |`,
    `| … intercepted (limited mode) | ${ms(p.medianMs.httpsIntercepted)} | ${ms(p.p90Ms.httpsIntercepted)} | ${ms(p.addedMs.interception)} |`,
    `| through the proxy, client on the host (own process) | ${ms(p.medianMs.hostClientViaProxy)} | – | – |`,
    `| … client in the sandbox (bridge + relay) | ${ms(p.medianMs.sandboxClientViaBridge)} | – | ${ms(p.addedMs.bridge)} |`,
  ].join("\n");
}

/** Fuzzy file search on a generated tree (bench/fuzzy.mjs). */
function fuzzyTable(f) {
  if (f.error) return `Fuzzy search bench failed: ${f.error}`;
  const rows = [
    ["indexMs", `session start → first results (${f.files} files)`, null],
    ["warmMs", "further query on the session (median)", null],
    ["warmMaxMs", "… slowest", null],
    ["oneShotMs", "`fuzzyFileSearch` (walks every time; median)", null],
  ];
  return comparedTable(
    rows.map(([key, label, target]) => {
      const keel = f.keel?.[key];
      const codex = f.codex?.[key];
      const ratio = typeof keel === "number" && codex > 0 ? keel / codex : undefined;
      return { label, unit: "ms", keel, codex, ratio, target, met: undefined };
    }),
  );
}

/** The browser front end (bench/web.mjs): keel only. */
function webTable(w) {
  if (w.error) return `Web bench failed: ${w.error}`;
  const ms = (v) => (typeof v === "number" ? `${v.toFixed(0)} ms` : "–");
  const kb = (v) => (typeof v === "number" ? `${(v / 1024).toFixed(1)} KB` : "–");
  const weight = w.weight ?? {};
  const met = weight.gzipBytes <= weight.targetGzipBytes ? "met" : "missed";
  return [
    `Web front end (\`keel web\`, headless chromium; median of ${w.rounds}):`,
    "",
    "| | keel |",
    "|---|---:|",
    `| page load → thread list visible | ${ms(w.loadMs?.median)} |`,
    `| prompt (Enter) → first streamed words on screen | ${ms(w.firstTokenMs?.median)} |`,
    `| dist/web gzipped, all ${weight.files} files (target < ${kb(weight.targetGzipBytes)}: ${met}) | ${kb(weight.gzipBytes)} |`,
    `| … fetched by the first load (xterm.js comes with the first command) | ${kb(weight.firstLoadGzipBytes)} |`,
  ].join("\n");
}

export function renderMarkdown(res) {
  const m = res.machine;
  const lines = [
    `Date: ${res.date} · keel ${m.keelCommit} (${m.keelEntry}) · ${m.codexVersion} (native binary)`,
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}; load average at start ${m.loadavgAtStart?.join(" / ")}.`,
    "",
    `Side by side: ${res.runs} interleaved keel/Codex pairs after ${res.warmup} warm-up pair(s); medians;`,
    "keel/Codex = median of the per-pair ratios (lower is better).",
    "",
    comparedTable(res.summary),
    "",
  ];
  const errs = res.errors ?? [];
  if (errs.length > 0) lines.push("Errors:", "", ...errs.map((e) => `- ${e}`), "");
  lines.push(keelOnly(res.keelOnly ?? {}), "");
  if (res.toolOutput) lines.push(toolOutputTables(res.toolOutput), "");
  if (res.mcp) lines.push(mcpTable(res.mcp), "");
  if (res.startup) lines.push(startupTable(res.startup), "");
  if (res.prewarm) lines.push(prewarmTable(res.prewarm), "");
  if (res.unifiedExec) lines.push(unifiedExecTable(res.unifiedExec), "");
  if (res.keelOnly?.networkProxy) lines.push(networkProxyTable(res.keelOnly.networkProxy), "");
  if (res.fuzzy) lines.push(fuzzyTable(res.fuzzy), "");
  if (res.web) lines.push(webTable(res.web), "");
  lines.push(`Whole run: ${(res.totalMs / 1000).toFixed(0)} s.`, "");
  return lines.join("\n");
}
