import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { textTurn } from "../support/model-server.js";
import { harness, inputTexts, text } from "./harness.js";

const BIG = { usage: { total_tokens: 5000 } };
const SMALL = { usage: { total_tokens: 50 } };

/** Runs two turns with a small auto-compact limit; returns the compaction request's last user text. */
async function compactionPrompt(configToml: string, homeFiles: Record<string, string> = {}): Promise<string> {
  const h = await harness({ configToml: `model_auto_compact_token_limit = 100\n${configToml}`, homeFiles });
  h.server.enqueue(textTurn("first", BIG), textTurn("THE SUMMARY", SMALL), textTurn("second", SMALL));
  const session = await h.manager.start(h.options());
  await session.submit(text("one"));
  await session.waitForIdle();
  await session.submit(text("two"));
  await session.waitForIdle();
  const [, compaction, next] = h.server.modelRequests();
  expect(JSON.stringify(next!.body.input)).toContain("THE SUMMARY");
  return inputTexts(compaction!.body, "user").at(-1)!;
}

describe("compact_prompt and experimental_compact_prompt_file", () => {
  it("compact_prompt replaces the compaction prompt", async () => {
    expect(await compactionPrompt('compact_prompt = "Summarise as a bullet list."')).toBe(
      "Summarise as a bullet list.",
    );
  });

  it("the file is read relative to the config file and trimmed; compact_prompt wins over it", async () => {
    const files = { "prompts/compact.md": "\nFROM THE FILE\n\n" };
    expect(await compactionPrompt('experimental_compact_prompt_file = "prompts/compact.md"', files)).toBe(
      "FROM THE FILE",
    );
    expect(
      await compactionPrompt(
        'compact_prompt = "INLINE"\nexperimental_compact_prompt_file = "prompts/compact.md"',
        files,
      ),
    ).toBe("INLINE");
  });

  it("a blank compact_prompt keeps the built-in prompt", async () => {
    expect(await compactionPrompt('compact_prompt = "  "')).toContain("hand-off note");
  });

  it("a missing or empty prompt file is a configuration error naming the file", async () => {
    const h = await harness({ configToml: 'experimental_compact_prompt_file = "nope.md"' });
    expect(() => h.options()).toThrow(
      `failed to read experimental compact prompt file ${path.join(h.home, "nope.md")}: ENOENT`,
    );
    fs.writeFileSync(path.join(h.home, "nope.md"), " \n");
    expect(() => h.options()).toThrow(
      `experimental compact prompt file is empty: ${path.join(h.home, "nope.md")}`,
    );
  });
});
