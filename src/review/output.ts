import { type ReviewFinding, type ReviewOutput, ReviewOutputSchema } from "../protocol/review.js";

/** Shown when the reviewer's answer has neither an explanation nor findings. */
export const REVIEWER_FAILED_TEXT = "Reviewer failed to output a response.";

function fromJson(text: string): ReviewOutput | null {
  try {
    const parsed = ReviewOutputSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The reviewer's last message as a review: the whole text as JSON, else the span from its first
 * `{` to its last `}` (models sometimes add prose or fences), else the text itself as the
 * explanation with no findings.
 */
export function parseReviewOutput(text: string): ReviewOutput {
  const whole = fromJson(text);
  if (whole) return whole;
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start !== -1 && start < end) {
    const inner = fromJson(text.slice(start, end + 1));
    if (inner) return inner;
  }
  return ReviewOutputSchema.parse({ overall_explanation: text });
}

function location(finding: ReviewFinding): string {
  const { absolute_file_path, line_range } = finding.code_location;
  return `${absolute_file_path}:${line_range.start}-${line_range.end}`;
}

/** Lines as Rust's `str::lines` gives them: no empty last line for a trailing newline. */
function bodyLines(body: string): string[] {
  if (body === "") return [];
  return body.replace(/\r?\n$/, "").split(/\r?\n/);
}

/** "Review comment:" (one) or "Full review comments:" (several), then each finding and its body. */
export function findingsBlock(findings: readonly ReviewFinding[]): string {
  const lines = [findings.length > 1 ? "Full review comments:" : "Review comment:"];
  for (const finding of findings) {
    lines.push("", `- ${finding.title} — ${location(finding)}`);
    for (const line of bodyLines(finding.body)) lines.push(`  ${line}`);
  }
  return lines.join("\n");
}

/** The review as the user reads it: the explanation, then the findings. */
export function renderReviewOutput(output: ReviewOutput): string {
  const sections: string[] = [];
  const explanation = output.overall_explanation.trim();
  if (explanation !== "") sections.push(explanation);
  if (output.findings.length > 0) sections.push(findingsBlock(output.findings));
  return sections.length > 0 ? sections.join("\n\n") : REVIEWER_FAILED_TEXT;
}

/** The results part of the message the parent thread records (explanation, then findings). */
export function reviewResultsText(output: ReviewOutput): string {
  let text = output.overall_explanation.trim();
  if (output.findings.length > 0) text += `\n\n${findingsBlock(output.findings)}`;
  return text;
}
