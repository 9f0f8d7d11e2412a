import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unknownModelInfo } from "../../src/model/catalog/model-info.js";
import { truncateForPersistence } from "../../src/rollout/persisted-output.js";
import { truncateForHistory, truncateItemForHistory } from "../../src/tools/runtime/history-truncation.js";
import {
  formatExecCommandOutput,
  formatShellOutput,
  OutputCollector,
  truncateMiddle,
} from "../../src/tools/runtime/output.js";
import {
  formattedTruncateText,
  byteBudget,
  historyPolicy,
  lineCount,
  type TruncationPolicy,
  truncateText,
  withTokenLimit,
} from "../../src/tools/runtime/truncation.js";

interface Capture {
  model: string;
  scenario: "small" | "big" | "huge" | "utf";
  tool_output_token_limit: number | null;
  output: string | null;
  untruncatedBytes?: number;
}
const fixture = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, "../fixtures/truncation/codex-0.169-exec.json"), "utf8"),
) as { captures: Record<string, Capture> };

/** What the captured commands printed (the login shell's pyenv warning comes first). */
function commandOutput(scenario: Capture["scenario"]): string {
  const lines = ["pyenv: cannot rehash: /root/.pyenv/shims isn't writable"];
  if (scenario === "small") for (let i = 1; i <= 20; i++) lines.push(String(i));
  if (scenario === "big") for (let i = 1; i <= 6000; i++) lines.push(String(i));
  if (scenario === "huge") for (let i = 1; i <= 300_000; i++) lines.push(String(i));
  if (scenario === "utf") for (let i = 1; i <= 3000; i++) lines.push(`é€${i}`);
  return `${lines.join("\n")}\n`;
}

/** Codex 0.169's policies: gpt-5.5 has 10 000 tokens, an unknown model 10 000 bytes. */
const modelPolicy = (model: string): TruncationPolicy =>
  model === "gpt-5.5" ? { mode: "tokens", limit: 10_000 } : unknownModelInfo(model).truncationPolicy;

/** keel's function_call_output for the captured command, as it is recorded into the history. */
function keelOutput(capture: Capture): string {
  const collector = new OutputCollector();
  const printed = Buffer.from(commandOutput(capture.scenario));
  // Pipe-sized pieces, as the command's stream arrives.
  for (let at = 0; at < printed.length; at += 65_536)
    collector.push(printed.subarray(at, at + 65_536).toString());
  const policy = withTokenLimit(modelPolicy(capture.model), capture.tool_output_token_limit);
  const reply = formatExecCommandOutput(
    {
      exitCode: 0,
      durationMs: 0,
      output: collector.text(),
      timedOut: false,
      timeoutMs: null,
      originalBytes: collector.totalBytes,
      omittedBytes: collector.omittedBytes,
    },
    "abcdef",
    undefined,
    policy,
  );
  // Same widths as Codex's (6 hex digits, 4 decimals), masked like the fixture after the cut.
  return truncateForHistory(reply, historyPolicy(policy))
    .replace("Chunk ID: abcdef", "Chunk ID: <id>")
    .replace("Wall time: 0.0000", "Wall time: <t>");
}

describe("exec_command output against Codex 0.169", () => {
  for (const [name, capture] of Object.entries(fixture.captures)) {
    it(`is byte-identical for ${name}`, () => {
      const ours = keelOutput(capture);
      if (capture.output === null) {
        // Under the budget: the whole output, after the header.
        expect(Buffer.byteLength(ours)).toBe(capture.untruncatedBytes);
        expect(ours.endsWith(`Output:\n${commandOutput(capture.scenario)}`)).toBe(true);
        return;
      }
      expect(ours).toBe(capture.output);
    });
  }
});

describe("truncateText", () => {
  it("matches Codex's own examples", () => {
    const long = "this is an example of a long output that should be truncated";
    expect(truncateText(long, { mode: "tokens", limit: 5 })).toBe(
      "this is an…10 tokens truncated… truncated",
    );
    expect(truncateText(long, { mode: "bytes", limit: 30 })).toBe(
      "this is an exam…30 chars truncated…ld be truncated",
    );
    expect(truncateText("😀😀😀😀😀😀😀😀😀😀\nsecond line with text\n", { mode: "bytes", limit: 20 })).toBe(
      "😀😀…21 chars truncated…with text\n",
    );
    expect(truncateText("example output", { mode: "bytes", limit: 1 })).toBe("…13 chars truncated…t");
    expect(truncateText("example output", { mode: "tokens", limit: 1 })).toBe("ex…3 tokens truncated…ut");
    expect(truncateText("abc", { mode: "bytes", limit: 0 })).toBe("…3 chars truncated…");
  });

  const policies = fc.record({
    mode: fc.constantFrom<TruncationPolicy["mode"]>("tokens", "bytes"),
    limit: fc.integer({ min: 0, max: 300 }),
  });
  const texts = fc.string({ unit: fc.constantFrom("a", "\n", "é", "€", "😀", "z"), maxLength: 600 });

  it("keeps a prefix and a suffix within the budget, never splitting a character", () => {
    fc.assert(
      fc.property(texts, policies, (text, policy) => {
        const out = truncateText(text, policy);
        const budget = policy.mode === "tokens" ? policy.limit * 4 : policy.limit;
        const bytes = Buffer.byteLength(text);
        const markers = out.match(/…\d+ (tokens|chars) truncated…/g) ?? [];
        if (bytes <= budget && !(policy.mode === "tokens" && policy.limit === 0 && text !== "")) {
          return out === text && markers.length === 0;
        }
        if (text === "") return out === "";
        const [head = "", tail = ""] = out.split(/…\d+ (?:tokens|chars) truncated…/);
        return (
          markers.length === 1 &&
          text.startsWith(head) &&
          text.endsWith(tail) &&
          Buffer.byteLength(head) + Buffer.byteLength(tail) <= budget &&
          // No replacement characters: every cut fell between characters.
          !out.includes("\uFFFD")
        );
      }),
    );
  });

  it("counts what it removed: tokens of the bytes over budget, or the characters dropped", () => {
    fc.assert(
      fc.property(texts, policies, (text, policy) => {
        const out = truncateText(text, policy);
        const marker = /…(\d+) (tokens|chars) truncated…/.exec(out);
        if (marker === null) return true;
        const [head = "", tail = ""] = out.split(marker[0]);
        const budget = policy.mode === "tokens" ? policy.limit * 4 : policy.limit;
        const expected =
          policy.mode === "tokens"
            ? Math.ceil((Buffer.byteLength(text) - budget) / 4)
            : [...text].length - [...head].length - [...tail].length;
        return Number(marker[1]) === expected;
      }),
    );
  });
});

describe("formattedTruncateText / truncateMiddle", () => {
  it("adds Codex's warning block only when it cuts", () => {
    expect(formattedTruncateText("short", { mode: "tokens", limit: 10 })).toBe("short");
    expect(formattedTruncateText("a\nb\nc\n".repeat(10), { mode: "tokens", limit: 2 })).toBe(
      "Warning: truncated output (original token count: 15)\nTotal output lines: 30\n\na\nb\n…13 tokens truncated…b\nc\n",
    );
    expect(truncateMiddle("x".repeat(100), 5)).toBe(
      `Warning: truncated output (original token count: 25)\nTotal output lines: 1\n\n${"x".repeat(10)}…20 tokens truncated…${"x".repeat(10)}`,
    );
    // A byte policy stays a byte policy; max tokens cap it.
    expect(truncateMiddle("x".repeat(100), 5, { policy: { mode: "bytes", limit: 1000 } })).toContain(
      "…80 chars truncated…",
    );
  });

  it("counts lines as Rust's lines() does", () => {
    expect([lineCount(""), lineCount("a"), lineCount("a\n"), lineCount("a\nb"), lineCount("\n\n")]).toEqual([
      0, 1, 1, 2, 2,
    ]);
  });

  it("shell output carries the formatted, cut text in its JSON", () => {
    const run = {
      exitCode: 0,
      durationMs: 1234,
      output: "y\n".repeat(5000),
      timedOut: false,
      timeoutMs: null,
    };
    const json = JSON.parse(formatShellOutput(run, { mode: "bytes", limit: 100 })) as {
      output: string;
      metadata: unknown;
    };
    expect(json.output).toMatch(
      /^Warning: truncated output \(original token count: 2500\)\nTotal output lines: 5000\n\n/,
    );
    expect(json.output).toContain("…9900 chars truncated…");
    expect(json.metadata).toEqual({ exit_code: 0, duration_seconds: 1.2 });
  });
});

describe("OutputCollector (bounded head + tail)", () => {
  const pieces = fc.array(
    fc.string({ unit: fc.constantFrom("a", "b", "\n", "é", "€", "😀"), maxLength: 40 }),
    {
      maxLength: 60,
    },
  );

  it("keeps at most its limit: a prefix and a suffix of the output, the middle counted", () => {
    fc.assert(
      fc.property(pieces, fc.integer({ min: 0, max: 120 }), (chunks, limit) => {
        const collector = new OutputCollector(limit);
        for (const chunk of chunks) collector.push(chunk);
        const all = chunks.join("");
        const total = Buffer.byteLength(all);
        const text = collector.text();
        expect(collector.totalBytes).toBe(total);
        if (collector.omittedBytes === 0) return text === all;
        const marker = `\n... ${collector.omittedBytes} bytes omitted ...\n`;
        const [head = "", tail = ""] = text.split(marker);
        return (
          text.includes(marker) &&
          all.startsWith(head) &&
          all.endsWith(tail) &&
          Buffer.byteLength(head) <= Math.floor(limit / 2) &&
          Buffer.byteLength(tail) <= limit - Math.floor(limit / 2) &&
          Buffer.byteLength(head) + Buffer.byteLength(tail) + collector.omittedBytes === total &&
          !text.includes("\uFFFD")
        );
      }),
    );
  });

  it("stays bounded for output far beyond its limit", () => {
    const collector = new OutputCollector(1024);
    const chunk = "z".repeat(65_536);
    for (let i = 0; i < 200; i++) collector.push(chunk);
    expect(collector.text().length).toBeLessThan(1100);
    expect(collector.omittedBytes).toBe(200 * 65_536 - 1024);
  });
});

describe("history budget (model policy × 1.2)", () => {
  it("cuts any other tool output in the middle as a whole, in tokens, and leaves images alone", () => {
    const policy = historyPolicy({ mode: "bytes", limit: 100 });
    expect(policy).toEqual({ mode: "tokens", limit: 30 });
    expect(historyPolicy({ mode: "tokens", limit: 10_000 })).toEqual({ mode: "tokens", limit: 12_000 });
    const text = "q".repeat(1000);
    expect(truncateForHistory(text, policy)).toBe(`${"q".repeat(60)}…220 tokens truncated…${"q".repeat(60)}`);
    const items = truncateItemForHistory(
      {
        type: "function_call_output",
        call_id: "c",
        output: [
          { type: "input_text", text: "a".repeat(100) },
          { type: "input_image", image_url: "data:image/png;base64,AAAA" },
          { type: "input_text", text: "b".repeat(100) },
          { type: "input_text", text: "c".repeat(100) },
        ],
      },
      policy,
    );
    expect(items).toEqual({
      type: "function_call_output",
      call_id: "c",
      output: [
        { type: "input_text", text: "a".repeat(100) },
        { type: "input_image", image_url: "data:image/png;base64,AAAA" },
        { type: "input_text", text: `${"b".repeat(10)}…20 tokens truncated…${"b".repeat(10)}` },
        { type: "input_text", text: "[omitted 1 text items ...]" },
      ],
    });
    const message = { type: "message", role: "assistant", content: [{ type: "output_text", text }] } as const;
    expect(truncateItemForHistory(message as never, policy)).toBe(message);
  });

  it("keeps an exec reply within the policy × 1.2 (the history cuts one whose header alone is over)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("a", "\n", "é", "€"), minLength: 0, maxLength: 3000 }),
        fc.constantFrom<TruncationPolicy["mode"]>("tokens", "bytes"),
        fc.integer({ min: 20, max: 400 }),
        (output, mode, limit) => {
          const policy: TruncationPolicy = { mode, limit };
          const reply = formatExecCommandOutput(
            { exitCode: 0, durationMs: 5, output, timedOut: false, timeoutMs: null },
            "abcdef",
            undefined,
            policy,
          );
          const replyBudget = mode === "tokens" ? Math.ceil(limit * 1.2) * 4 : Math.ceil(limit * 1.2);
          const warned = reply.includes("Warning: truncated output");
          const fits = Buffer.byteLength(reply) <= replyBudget;
          // Over budget only when the header and warning alone leave no room: nothing is kept.
          const nothingKept = warned && /\n\n(…\d+ (tokens|chars) truncated…)?$/.test(reply);
          const kept = truncateForHistory(reply, historyPolicy(policy));
          const marker = /…\d+ tokens truncated…/.exec(kept)?.[0] ?? "";
          return (
            (fits || nothingKept) &&
            Buffer.byteLength(kept) <= byteBudget(historyPolicy(policy)) + Buffer.byteLength(marker) &&
            !kept.includes("\uFFFD")
          );
        },
      ),
    );
  });
});

describe("exec reply cut", () => {
  it("counts everything removed, as one cut to the kept size would", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("a", "b", "\n", "7"), minLength: 500, maxLength: 4000 }),
        fc.constantFrom<TruncationPolicy["mode"]>("tokens", "bytes"),
        fc.integer({ min: 60, max: 120 }),
        (output, mode, limit) => {
          const policy: TruncationPolicy = { mode, limit };
          const reply = formatExecCommandOutput(
            { exitCode: 0, durationMs: 5, output, timedOut: false, timeoutMs: null },
            "abcdef",
            undefined,
            policy,
          );
          const marker = /…(\d+) (tokens|chars) truncated…/.exec(reply);
          if (marker === null) return false;
          const [before = "", tail = ""] = reply.split(marker[0]);
          const head = before.slice(before.indexOf("\n\n") + 2);
          const keptBytes = head.length + tail.length;
          const expected =
            mode === "tokens" ? Math.ceil((output.length - keptBytes) / 4) : output.length - keptBytes;
          return (
            Number(marker[1]) === expected &&
            output.startsWith(head) &&
            output.endsWith(tail) &&
            before.includes(`Total output lines: ${lineCount(output)}\n\n`)
          );
        },
      ),
    );
  });
});

describe("rollout cap (64 KiB)", () => {
  it("keeps short output and cuts long output between characters", () => {
    expect(truncateForPersistence("short")).toBe("short");
    const text = "é€😀".repeat(20_000);
    const kept = truncateForPersistence(text);
    const [head = "", tail = ""] = kept.split("\n... command output truncated for persistence ...\n");
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(65_536);
    expect(text.startsWith(head) && text.endsWith(tail)).toBe(true);
    expect(kept).not.toContain("\uFFFD");
  });
});
