import fs from "node:fs/promises";
import path from "node:path";
import { directoriesFromTo, findGitWorktreeRoot } from "../config/project.js";

/** Default cap on the combined size of project AGENTS.md text (Codex's `project_doc_max_bytes`). */
export const DEFAULT_AGENTS_MD_MAX_BYTES = 32 * 1024;

/** Per directory, an override file wins over the regular one; fallbacks come after both. */
const OVERRIDE_NAME = "AGENTS.override.md";
const DEFAULT_NAME = "AGENTS.md";
/** Between the global instructions and the project docs (Codex's PROJECT_DOC_SEPARATOR). */
const PROJECT_DOC_SEPARATOR = "\n\n--- project-doc ---\n\n";

/** What `project_doc_*` in config.toml say. */
export interface ProjectDocOptions {
  /** Combined byte budget for the project files; 0 disables them (the global file still loads). */
  maxBytes?: number;
  /** Names tried after AGENTS.override.md and AGENTS.md in each project directory. */
  fallbackFilenames?: readonly string[];
}

export interface AgentsMdOptions extends ProjectDocOptions {
  keelHome: string;
  cwd: string;
}

export interface AgentsMdResult {
  /** The user instructions (global, separator, project docs), or null when nothing was found. */
  text: string | null;
  /** The cwd when project docs were found (named in the message header), else null. */
  projectDocDirectory: string | null;
  /** Files read, in order (global first, then repository root → cwd). */
  files: string[];
  /** Start-up warnings (e.g. truncation), shown after `session_configured`. */
  warnings: string[];
}

/**
 * Loads instructions as Codex 0.169 does: `$KEEL_HOME/AGENTS.override.md` or `AGENTS.md` (trimmed),
 * then one file per directory from the repository root (nearest `.git`; the cwd alone outside git)
 * down to the cwd — the override, else AGENTS.md, else the first fallback name present. Project
 * files are kept verbatim and share a byte budget: the file that crosses it is cut at that byte.
 * A blank file counts as found (its directory looks no further) but adds nothing.
 */
export async function loadAgentsMd(opts: AgentsMdOptions): Promise<AgentsMdResult> {
  const budget = opts.maxBytes ?? DEFAULT_AGENTS_MD_MAX_BYTES;
  const warnings: string[] = [];
  const files: string[] = [];

  const global = await readGlobal(opts.keelHome);
  if (global) files.push(global.file);
  const globalText = global?.text ?? "";

  const docs: string[] = [];
  if (budget > 0) {
    const names = candidateNames(opts.fallbackFilenames ?? []);
    const top = findGitWorktreeRoot(opts.cwd) ?? opts.cwd;
    let remaining = budget;
    for (const dir of directoriesFromTo(top, opts.cwd)) {
      if (remaining <= 0) break;
      const found = await readFirst(dir, names, remaining);
      if (!found) continue;
      if (found.size > remaining) {
        warnings.push(
          `${found.file} was truncated: AGENTS.md files may hold at most ${budget} bytes together.`,
        );
      }
      const text = found.bytes.toString("utf8");
      if (text.trim() === "") continue;
      docs.push(text);
      files.push(found.file);
      remaining -= found.bytes.length;
    }
  }

  const parts = [globalText, docs.join("\n\n")].filter((p) => p !== "");
  return {
    text: parts.length > 0 ? parts.join(PROJECT_DOC_SEPARATOR) : null,
    projectDocDirectory: docs.length > 0 ? opts.cwd : null,
    files,
    warnings,
  };
}

/** `$KEEL_HOME/AGENTS.override.md`, else `AGENTS.md`, trimmed; a blank one is passed over. */
async function readGlobal(home: string): Promise<{ file: string; text: string } | null> {
  for (const name of [OVERRIDE_NAME, DEFAULT_NAME]) {
    const found = await readFirst(home, [name]);
    const text = found?.text.trim();
    if (found && text) return { file: found.file, text };
  }
  return null;
}

/** AGENTS.override.md, AGENTS.md, then the fallbacks (blank names and repeats dropped). */
function candidateNames(fallbacks: readonly string[]): string[] {
  const names = [OVERRIDE_NAME, DEFAULT_NAME];
  for (const name of fallbacks) if (name !== "" && !names.includes(name)) names.push(name);
  return names;
}

interface FoundFile {
  file: string;
  /** Whole size on disk. */
  size: number;
  /** At most `limit` bytes of it. */
  bytes: Buffer;
  text: string;
}

/** The first of `names` in `dir` that is a file (or a link to one), read up to `limit` bytes. */
async function readFirst(dir: string, names: readonly string[], limit = Number.POSITIVE_INFINITY) {
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const handle = await fs.open(file, "r");
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) continue;
        const length = Math.min(stat.size, limit);
        const bytes = Buffer.alloc(length);
        const { bytesRead } = await handle.read(bytes, 0, length, 0);
        const read = bytes.subarray(0, bytesRead);
        return { file, size: stat.size, bytes: read, text: read.toString("utf8") } satisfies FoundFile;
      } finally {
        await handle.close();
      }
    } catch {
      // missing or unreadable: try the next name
    }
  }
  return null;
}

/**
 * The model-visible user-instructions text (a content item of a user message), as Codex words
 * it: the header names the cwd only when project docs contributed.
 */
export function userInstructionsText(text: string, projectDocDirectory: string | null = null): string {
  const header = projectDocDirectory
    ? `# AGENTS.md instructions for ${projectDocDirectory}`
    : "# AGENTS.md instructions";
  return `${header}\n\n<INSTRUCTIONS>\n${text}\n</INSTRUCTIONS>`;
}
