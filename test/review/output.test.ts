import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ReviewOutput } from "../../src/protocol/review.js";
import {
  findingsBlock,
  parseReviewOutput,
  REVIEWER_FAILED_TEXT,
  renderReviewOutput,
} from "../../src/review/output.js";
import { reviewHint, reviewPrompt } from "../../src/review/prompts.js";

/** The reviewer's answer → review, and its rendering (Codex review_format / parse_review_output_event). */

const finding = fc.record({
  title: fc.string(),
  body: fc.string(),
  confidence_score: fc.double({ min: 0, max: 1, noNaN: true }),
  priority: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
  code_location: fc.record({
    absolute_file_path: fc.string(),
    line_range: fc.record({ start: fc.nat(), end: fc.nat() }),
  }),
});
const output: fc.Arbitrary<ReviewOutput> = fc.record({
  findings: fc.array(finding, { maxLength: 4 }),
  overall_correctness: fc.constantFrom("patch is correct", "patch is incorrect"),
  overall_explanation: fc.string(),
  overall_confidence_score: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe("parseReviewOutput", () => {
  it("reads back any review the reviewer writes as JSON, bare or wrapped in prose and fences", () => {
    fc.assert(
      fc.property(
        output,
        fc.string().filter((s) => !s.includes("{") && !s.includes("}")),
        (review, prose) => {
          const json = JSON.stringify(review);
          expect(parseReviewOutput(json)).toEqual(review);
          expect(parseReviewOutput(`${prose}\n\`\`\`json\n${json}\n\`\`\`\n${prose}`)).toEqual(review);
        },
      ),
    );
  });

  it("takes text that holds no review as the explanation, with no findings", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        fc.pre(!text.includes("{"));
        expect(parseReviewOutput(text)).toEqual({
          findings: [],
          overall_correctness: "",
          overall_explanation: text,
          overall_confidence_score: 0,
        });
      }),
    );
    // A partial object still parses: every field has a default.
    expect(parseReviewOutput('{"overall_explanation":"ok"}').overall_explanation).toBe("ok");
  });
});

describe("renderReviewOutput", () => {
  it("matches Codex's text for one finding, several, and none", () => {
    const one = {
      title: "[P1] Bug",
      body: "Line one.\nLine two.\n",
      confidence_score: 0.5,
      priority: 1,
      code_location: { absolute_file_path: "/a.ts", line_range: { start: 3, end: 4 } },
    };
    expect(findingsBlock([one])).toBe("Review comment:\n\n- [P1] Bug — /a.ts:3-4\n  Line one.\n  Line two.");
    expect(findingsBlock([one, { ...one, title: "B", body: "" }])).toBe(
      "Full review comments:\n\n- [P1] Bug — /a.ts:3-4\n  Line one.\n  Line two.\n\n- B — /a.ts:3-4",
    );
    const empty = parseReviewOutput("{}");
    expect(renderReviewOutput(empty)).toBe(REVIEWER_FAILED_TEXT);
    expect(renderReviewOutput({ ...empty, overall_explanation: "  Fine.  " })).toBe("Fine.");
  });

  it("always names every finding's title and location", () => {
    fc.assert(
      fc.property(output, (review) => {
        const text = renderReviewOutput(review);
        for (const f of review.findings)
          expect(text).toContain(
            `- ${f.title} — ${f.code_location.absolute_file_path}:${f.code_location.line_range.start}-${f.code_location.line_range.end}`,
          );
      }),
    );
  });
});

describe("review prompts", () => {
  it("names commits by their first 7 characters and falls back when no merge base is known", () => {
    expect(reviewHint({ type: "commit", sha: "0123456789abcdef", title: null })).toBe("commit 0123456");
    expect(reviewPrompt({ type: "baseBranch", branch: "dev" }, null)).toContain("dev's upstream");
    expect(reviewPrompt({ type: "baseBranch", branch: "dev" }, "abc")).toContain("Run `git diff abc`");
    expect(() => reviewPrompt({ type: "custom", instructions: " \n" }, null)).toThrow(
      "Review prompt cannot be empty",
    );
  });
});
