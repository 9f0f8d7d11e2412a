import { isDeepStrictEqual } from "node:util";
import { parseDocument, patch } from "@decimalturn/toml-patch";
import { parseTomlText, type TomlTable } from "./toml-file.js";

/**
 * Line-level edits of a TOML file that leave every line they do not own byte for byte as it was
 * (comments, blank lines, quoting, key order). The positions come from toml-patch's syntax tree;
 * the edit itself is plain line splicing, and every result is re-parsed and compared with the
 * intended document, so a layout this module does not understand falls back to toml-patch's own
 * (still comment-keeping) patch instead of writing something wrong.
 */

/** A key/value or a `[table]` / `[[array]]` section, with its full key path and 1-based lines. */
export interface TomlBlock {
  kind: "keyValue" | "table";
  path: string[];
  startLine: number;
  /** Last line of the block's own content: for a section, its last key/value (or the header). */
  endLine: number;
  /** For a key/value: where its value sits (1-based line, 0-based column, end exclusive). */
  value?: { line: number; column: number; endLine: number; endColumn: number };
}

interface Loc {
  start: { line: number; column: number };
  end: { line: number; column: number };
}
interface CstNode {
  type: string;
  loc: Loc;
  key?: { value?: string[]; item?: { value?: string[] } };
  value?: { loc: Loc };
  items?: CstNode[];
}

/** Every key/value (top level or inside a section) and every section header of `text`. */
export function tomlBlocks(text: string): TomlBlock[] {
  const blocks: TomlBlock[] = [];
  for (const node of parseDocument(text).cst as unknown as CstNode[]) {
    if (node.type === "KeyValue") {
      blocks.push(keyValueBlock(node, []));
    } else if (node.type === "Table" || node.type === "TableArray") {
      const tablePath = node.key?.item?.value ?? [];
      const pairs = (node.items ?? []).filter((item) => item.type === "KeyValue");
      const last = pairs.at(-1);
      blocks.push({
        kind: "table",
        path: tablePath,
        startLine: node.loc.start.line,
        endLine: last ? last.loc.end.line : node.loc.start.line,
      });
      for (const pair of pairs) blocks.push(keyValueBlock(pair, tablePath));
    }
  }
  return blocks;
}

function keyValueBlock(node: CstNode, tablePath: string[]): TomlBlock {
  const valueLoc = node.value?.loc;
  return {
    kind: "keyValue",
    path: [...tablePath, ...(node.key?.value ?? [])],
    startLine: node.loc.start.line,
    endLine: node.loc.end.line,
    ...(valueLoc
      ? {
          value: {
            line: valueLoc.start.line,
            column: valueLoc.start.column,
            endLine: valueLoc.end.line,
            endColumn: valueLoc.end.column,
          },
        }
      : {}),
  };
}

export function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => path[i] === part);
}

/** Splits into lines that keep their own terminator, so joining them gives the text back. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * Removes every block under `prefix` (sections with their key/values, and dotted or inline
 * keys elsewhere), plus the blank lines that followed a removed section. Comments between a
 * section's last key and the next header stay: they usually introduce the next section.
 * Returns the text and the index (0-based line) where the first removed section began, if any.
 */
export function removeBlocks(
  text: string,
  prefix: readonly string[],
): { text: string; sectionAt: number | null } {
  const lines = splitLines(text);
  const drop = new Set<number>();
  let sectionAt: number | null = null;
  let lastSectionEnd = -1;
  for (const block of tomlBlocks(text)) {
    if (!startsWith(block.path, prefix)) continue;
    for (let line = block.startLine; line <= block.endLine; line++) drop.add(line - 1);
    if (block.kind !== "table") continue;
    sectionAt = sectionAt === null ? block.startLine - 1 : Math.min(sectionAt, block.startLine - 1);
    lastSectionEnd = Math.max(lastSectionEnd, block.endLine - 1);
    for (let i = block.endLine; i < lines.length && (lines[i] ?? "").trim() === ""; i++) drop.add(i);
  }
  const kept = lines.filter((_, i) => !drop.has(i));
  // A section removed at the end would otherwise leave the blank line that separated it (a
  // removed key/value leaves the lines around it alone).
  const endsWithSection = lastSectionEnd >= 0 && lines.every((_, i) => i <= lastSectionEnd || drop.has(i));
  if (endsWithSection) while (kept.length > 0 && (kept.at(-1) ?? "").trim() === "") kept.pop();
  const shift = sectionAt === null ? 0 : [...drop].filter((i) => i < sectionAt!).length;
  return { text: kept.join(""), sectionAt: sectionAt === null ? null : sectionAt - shift };
}

/** `key` as TOML writes it: bare when it may be, quoted otherwise. */
export function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

export function tomlHeader(path: readonly string[]): string {
  return `[${path.map(tomlKey).join(".")}]`;
}

/** Inserts whole sections (`text` ends with a newline) at a line index, or at the end of the file. */
export function insertSections(text: string, sections: string, atLine: number | null): string {
  const lines = splitLines(text);
  if (atLine !== null && atLine < lines.length) {
    lines.splice(atLine, 0, `${sections}\n`);
    return lines.join("");
  }
  if (text.trim() === "") return sections;
  const base = text.endsWith("\n") ? text : `${text}\n`;
  return `${base}\n${sections}`;
}

/**
 * Keeps `edited` when it parses to exactly `intended`; otherwise lets toml-patch carry the change
 * into `original` (it keeps comments too, with less control over where new tables go).
 */
export function verifiedEdit(original: string, edited: string, intended: TomlTable, file: string): string {
  try {
    // structuredClone on both sides: smol-toml's tables and ours differ only in prototype.
    if (isDeepStrictEqual(structuredClone(parseTomlText(edited, file)), structuredClone(intended)))
      return edited;
  } catch {
    // fall through to the patch
  }
  return patch(original, intended);
}
