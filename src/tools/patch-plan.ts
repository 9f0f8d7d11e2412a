import path from "node:path";
import type { FileUpdateChange } from "../protocol/v2/items.js";
import { unifiedDiff } from "./patch-diff.js";
import type { ParsedPatch, PatchHunk, UpdateChunk } from "./patch-parser.js";
import { seekSequence } from "./patch-seek.js";
import { errorMessage } from "../lib/errors.js";

/**
 * Planning a parsed patch: which paths it touches (known before any file is read, so every one
 * can be checked against the permission profile first), and the new content of every file,
 * computed through an injected reader so reads can go through the same checks.
 */

export interface PatchReader {
  /** Reads a UTF-8 text file; rejects (ENOENT, EISDIR, EACCES, …) when it cannot. */
  readFile(absPath: string): Promise<string>;
}

export type PathAccess = "add" | "update" | "delete" | "moveFrom" | "moveTo";

export interface TouchedPath {
  /** Absolute path. */
  path: string;
  access: PathAccess;
}

export type PlannedChange =
  | { kind: "add"; path: string; displayPath: string; newContent: string }
  | { kind: "delete"; path: string; displayPath: string; oldContent: string }
  | {
      kind: "update";
      path: string;
      displayPath: string;
      /** Absolute destination of `*** Move to:`, or null. */
      movePath: string | null;
      moveDisplayPath: string | null;
      oldContent: string;
      newContent: string;
      /** Unified diff (hunks only, context 1), as in the v2 `fileChange` item. */
      diff: string;
    };

export interface PatchPlan {
  /** Directory relative patch paths were resolved against. */
  cwd: string;
  /** The patch text (heredoc wrapping removed). */
  patch: string;
  /** One entry per hunk, in patch order. */
  changes: PlannedChange[];
}

/** A patch that parses but cannot be applied to the files as they are. */
export class PatchApplyError extends Error {
  /** Absolute path of the file the failing hunk targets. */
  readonly path: string | null;
  /** 1-based patch line of the failing hunk or chunk. */
  readonly patchLine: number | null;

  constructor(message: string, filePath: string | null = null, patchLine: number | null = null) {
    super(message);
    this.name = "PatchApplyError";
    this.path = filePath;
    this.patchLine = patchLine;
  }
}

/** Every absolute path the patch would create, modify or remove, in patch order. */
export function touchedPaths(parsed: ParsedPatch, cwd: string): TouchedPath[] {
  const out: TouchedPath[] = [];
  const seen = new Set<string>();
  const add = (p: string, access: PathAccess) => {
    const key = `${access}\u0000${p}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ path: p, access });
    }
  };
  for (const hunk of parsed.hunks) {
    const abs = path.resolve(cwd, hunk.path);
    if (hunk.type === "update" && hunk.movePath !== null && path.resolve(cwd, hunk.movePath) !== abs) {
      add(abs, "moveFrom");
      add(path.resolve(cwd, hunk.movePath), "moveTo");
    } else {
      add(abs, hunk.type);
    }
  }
  return out;
}

/**
 * Computes every file's new content. Hunks apply in order, each seeing the result of the ones
 * before it (as if written one by one), but nothing is written here.
 */
export async function planPatch(parsed: ParsedPatch, cwd: string, reader: PatchReader): Promise<PatchPlan> {
  if (parsed.hunks.length === 0) throw new PatchApplyError("No files were modified.");
  /** Contents after earlier hunks; null = removed. */
  const overlay = new Map<string, string | null>();
  const read = async (abs: string, context: string, hunk: PatchHunk): Promise<string> => {
    if (overlay.has(abs)) {
      const content = overlay.get(abs);
      if (content !== null && content !== undefined) return content;
      throw new PatchApplyError(`${context} ${abs}: No such file or directory`, abs, hunk.line);
    }
    try {
      return await reader.readFile(abs);
    } catch (error) {
      throw new PatchApplyError(`${context} ${abs}: ${ioReason(error)}`, abs, hunk.line);
    }
  };

  const changes: PlannedChange[] = [];
  for (const hunk of parsed.hunks) {
    const abs = path.resolve(cwd, hunk.path);
    switch (hunk.type) {
      case "add":
        overlay.set(abs, hunk.contents);
        changes.push({ kind: "add", path: abs, displayPath: hunk.path, newContent: hunk.contents });
        break;
      case "delete": {
        const oldContent = await read(abs, "Failed to read", hunk);
        overlay.set(abs, null);
        changes.push({ kind: "delete", path: abs, displayPath: hunk.path, oldContent });
        break;
      }
      case "update": {
        const oldContent = await read(abs, "Failed to read file to update", hunk);
        const newContent = applyChunks(oldContent, hunk.chunks, abs);
        let movePath = hunk.movePath === null ? null : path.resolve(cwd, hunk.movePath);
        if (movePath === abs) movePath = null;
        if (movePath !== null) {
          overlay.set(abs, null);
          overlay.set(movePath, newContent);
        } else {
          overlay.set(abs, newContent);
        }
        changes.push({
          kind: "update",
          path: abs,
          displayPath: hunk.path,
          movePath,
          moveDisplayPath: movePath === null ? null : hunk.movePath,
          oldContent,
          newContent,
          diff: unifiedDiff(oldContent, newContent),
        });
        break;
      }
    }
  }
  return { cwd, patch: parsed.patch, changes };
}

export type { FileUpdateChange };

/** The v2 `fileChange` item's `changes`: add → new content, delete → old content, update → diff. */
export function fileUpdateChanges(plan: PatchPlan): FileUpdateChange[] {
  return plan.changes.map((c): FileUpdateChange => {
    if (c.kind === "add") return { path: c.path, kind: { type: "add" }, diff: c.newContent };
    if (c.kind === "delete") return { path: c.path, kind: { type: "delete" }, diff: c.oldContent };
    return { path: c.path, kind: { type: "update", move_path: c.movePath }, diff: c.diff };
  });
}

const IO_REASONS: Record<string, string> = {
  ENOENT: "No such file or directory",
  EISDIR: "Is a directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  ENOTDIR: "Not a directory",
};

function ioReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && IO_REASONS[code]) return IO_REASONS[code];
  return errorMessage(error);
}

/** True when every line break is `\r\n`; such files keep CRLF after the update. */
function usesCrlf(text: string): boolean {
  const lf = text.split("\n").length - 1;
  return lf > 0 && text.split("\r\n").length - 1 === lf;
}

/** Applies update chunks to a file's text; the result always ends with a newline. */
export function applyChunks(original: string, chunks: readonly UpdateChunk[], filePath: string): string {
  const crlf = usesCrlf(original);
  const lines = (crlf ? original.replaceAll("\r\n", "\n") : original).split("\n");
  if (lines.at(-1) === "") lines.pop();

  const replacements: [start: number, oldLength: number, newLines: string[]][] = [];
  let lineIndex = 0;
  for (const chunk of chunks) {
    if (chunk.context !== null) {
      const at = seekSequence(lines, [chunk.context], lineIndex, false);
      if (at < 0) {
        throw new PatchApplyError(
          `Failed to find context '${chunk.context}' in ${filePath}`,
          filePath,
          chunk.line,
        );
      }
      lineIndex = at + 1;
    }
    if (chunk.oldLines.length === 0) {
      // Pure addition: right after an `@@ context` line when there is one, else at the end.
      replacements.push([chunk.context !== null ? lineIndex : lines.length, 0, chunk.newLines]);
      continue;
    }
    let pattern = chunk.oldLines;
    let replacement = chunk.newLines;
    let found = seekSequence(lines, pattern, lineIndex, chunk.isEndOfFile);
    if (found < 0 && pattern.at(-1) === "") {
      // A trailing empty old line stands for the file's final newline, which `lines` lacks.
      pattern = pattern.slice(0, -1);
      if (replacement.at(-1) === "") replacement = replacement.slice(0, -1);
      found = seekSequence(lines, pattern, lineIndex, chunk.isEndOfFile);
    }
    if (found < 0) {
      throw new PatchApplyError(
        `Failed to find expected lines in ${filePath}:\n${chunk.oldLines.join("\n")}`,
        filePath,
        chunk.line,
      );
    }
    replacements.push([found, pattern.length, replacement]);
    lineIndex = found + pattern.length;
  }

  replacements.sort((a, b) => a[0] - b[0]);
  for (let i = replacements.length - 1; i >= 0; i--) {
    const [start, length, newLines] = replacements[i]!;
    lines.splice(start, length, ...newLines);
  }
  const eol = crlf ? "\r\n" : "\n";
  return lines.map((l) => l + eol).join("");
}
