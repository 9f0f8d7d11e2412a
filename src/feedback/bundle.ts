import fs from "node:fs";
import path from "node:path";
import { stringify } from "smol-toml";
import type { ConfigLayerEntry } from "../config/layers.js";
import { redactConfig, redactText } from "../config/redact.js";
import { zipFiles } from "../lib/zip.js";

/**
 * `feedback/save`: a ZIP the user can read and attach to a bug report themselves. keel uploads
 * nothing. It holds what Codex's bundle holds (report.json, manifest.json) plus the thread's
 * rollout and each configuration file, with secrets removed (config/redact.ts).
 */
export interface FeedbackBundle {
  savePath: string;
  classification: string;
  reason: string | null;
  tags: Record<string, string>;
  threadId: string;
  /** The thread's rollout (JSONL), when the thread is known. */
  rolloutText: string | null;
  layers: readonly ConfigLayerEntry[];
  keelVersion: string;
  now: Date;
}

/** Thrown for a save path the caller must change (Codex answers these with −32600). */
export class FeedbackPathError extends Error {}

export function writeFeedbackBundle(bundle: FeedbackBundle): string {
  if (!path.isAbsolute(bundle.savePath)) {
    throw new FeedbackPathError("feedback savePath must be an absolute host path");
  }
  const files: { name: string; data: string }[] = [];
  files.push({
    name: "report.json",
    data: JSON.stringify({
      message: `[${bundle.classification}]: keel session ${bundle.threadId}`,
      reason: bundle.reason,
      timestamp: bundle.now.toISOString(),
      tags: {
        ...bundle.tags,
        classification: bundle.classification,
        cli_version: bundle.keelVersion,
        thread_id: bundle.threadId,
      },
    }),
  });
  if (bundle.rolloutText !== null) {
    // The conversation is the point of the bundle; credentials pasted into it are not.
    files.push({ name: "rollout.jsonl", data: redactText(bundle.rolloutText) });
  }
  let project = 0;
  for (const layer of bundle.layers) {
    if (layer.source.type === "sessionFlags" || Object.keys(layer.config).length === 0) continue;
    const name = layer.source.type === "project" ? `project-${++project}` : layer.source.type;
    files.push({ name: `config/${name}.toml`, data: stringify(redactConfig(layer.config)) });
  }
  files.splice(1, 0, { name: "manifest.json", data: JSON.stringify(files.map((f) => f.name).slice(1)) });
  fs.mkdirSync(path.dirname(bundle.savePath), { recursive: true });
  // `wx`: the caller promised an unused path; never replace a file that appeared meanwhile.
  fs.writeFileSync(bundle.savePath, zipFiles(files, bundle.now), { flag: "wx", mode: 0o600 });
  return bundle.savePath;
}
