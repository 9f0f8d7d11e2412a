import type { FileUpdateChange } from "./protocol.js";

export type DiffLineKind = "add" | "del" | "hunk" | "meta" | "ctx";

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

/**
 * The lines of one file change, classified for colouring. For `add` the protocol carries the new
 * file's content and for `delete` the old one; for `update` a unified diff.
 */
export function diffLines(change: FileUpdateChange): DiffLine[] {
  const lines = splitLines(change.diff);
  if (change.kind.type === "add") return lines.map((text) => ({ kind: "add", text: `+${text}` }));
  if (change.kind.type === "delete") return lines.map((text) => ({ kind: "del", text: `-${text}` }));
  return classifyUnified(lines);
}

export function classifyUnified(lines: string[]): DiffLine[] {
  // `---`/`+++` are file headers only before a hunk; inside one they are a removed `--…` line.
  let inHunk = false;
  return lines.map((text): DiffLine => {
    if (text.startsWith("@@")) {
      inHunk = true;
      return { kind: "hunk", text };
    }
    if (text.startsWith("diff ")) inHunk = false;
    if (!inHunk || text.startsWith("\\ ")) return { kind: "meta", text };
    if (text.startsWith("+")) return { kind: "add", text };
    if (text.startsWith("-")) return { kind: "del", text };
    return { kind: "ctx", text };
  });
}

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
