import fs from "node:fs/promises";
import path from "node:path";
import type { PatchPlan, PatchReader } from "./patch-plan.js";
import { errorMessage } from "../lib/errors.js";

/** Writes go through this, so the orchestrator can route them through its permission checks. */
export interface PatchWriter {
  /** Writes a UTF-8 file, creating missing parent directories. */
  writeFile(absPath: string, content: string): Promise<void>;
  removeFile(absPath: string): Promise<void>;
}

export interface AppliedPatch {
  /** Absolute paths, in patch order. A move counts as modifying its destination. */
  added: string[];
  modified: string[];
  deleted: string[];
  /** Codex's tool output: `Success. Updated the following files:` then `A|M|D <path>` lines. */
  summary: string;
}

/**
 * Writes a planned patch. Like Codex, changes are written one by one in patch order and a
 * failure leaves earlier ones in place (the error names the file that failed).
 */
export async function applyPlan(plan: PatchPlan, writer: PatchWriter): Promise<AppliedPatch> {
  const added: string[] = [];
  const modified: string[] = [];
  const deleted: string[] = [];
  const lines: string[] = [];
  for (const change of plan.changes) {
    switch (change.kind) {
      case "add":
        await step(`Failed to write file ${change.path}`, () =>
          writer.writeFile(change.path, change.newContent),
        );
        added.push(change.path);
        lines.push(`A ${change.displayPath}`);
        break;
      case "delete":
        await step(`Failed to delete file ${change.path}`, () => writer.removeFile(change.path));
        deleted.push(change.path);
        lines.push(`D ${change.displayPath}`);
        break;
      case "update":
        if (change.movePath !== null) {
          const dest = change.movePath;
          await step(`Failed to write file ${dest}`, () => writer.writeFile(dest, change.newContent));
          await step(`Failed to remove original ${change.path}`, () => writer.removeFile(change.path));
          modified.push(dest);
          lines.push(`M ${change.moveDisplayPath ?? dest}`);
        } else {
          await step(`Failed to write file ${change.path}`, () =>
            writer.writeFile(change.path, change.newContent),
          );
          modified.push(change.path);
          lines.push(`M ${change.displayPath}`);
        }
        break;
    }
  }
  // Codex lists additions, then modifications, then deletions.
  const order = { A: 0, M: 1, D: 2 } as Record<string, number>;
  lines.sort((a, b) => order[a[0]!]! - order[b[0]!]!);
  const summary = `Success. Updated the following files:\n${lines.map((l) => `${l}\n`).join("")}`;
  return { added, modified, deleted, summary };
}

async function step(context: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    throw new Error(`${context}: ${errorMessage(error)}`);
  }
}

/** Plain `node:fs` reader and writer, for callers that need no permission routing. */
export function nodePatchIO(): PatchReader & PatchWriter {
  return {
    readFile: (absPath) => fs.readFile(absPath, "utf8"),
    async writeFile(absPath, content) {
      await fs.mkdir(path.dirname(absPath), { recursive: true });
      await fs.writeFile(absPath, content, "utf8");
    },
    removeFile: (absPath) => fs.rm(absPath),
  };
}
