#!/usr/bin/env node
// Builds README.md from docs/readme/*.md, so each area's documentation lives next to the others
// and the README stays the entry point. Long reference parts of an area, fenced by
// `<!-- reference -->` … `<!-- /reference -->`, go to docs/reference/<area>.md instead, and the
// README links to them where they were. `--check` exits 1 when a generated file is out of date.
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const parts = path.join(root, "docs/readme");
const referenceDir = "docs/reference";

/** [file, section title]; a title of null includes the file as is. */
const ORDER = [
  ["_intro.md", null],
  ["model.md", "Models and providers"],
  ["login.md", "Login"],
  ["exec.md", "Running a task: keel exec"],
  ["permissions.md", "Permissions"],
  ["sandbox.md", "The sandbox"],
  ["rules.md", "Command rules"],
  ["security.md", "Security"],
  ["configuration.md", "Configuration"],
  ["session.md", "Threads, turns and steering"],
  ["persistence.md", "Persistence: resume, fork, names"],
  ["store.md", "Thread stores: files or PostgreSQL"],
  ["review.md", "Code review"],
  ["tools.md", "Tools"],
  ["mcp-cli.md", "MCP: keel mcp and keel mcp-server"],
  ["skills.md", "Skills"],
  ["hooks.md", "Hooks and notify"],
  ["app-server.md", "App-server protocol"],
  ["tui.md", "The Codex TUI"],
  ["library.md", "Library API"],
  ["benchmarks.md", "Benchmarks"],
  ["_development.md", null],
];

const OPEN = "<!-- reference -->";
const CLOSE = "<!-- /reference -->";

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function anchor(heading) {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

/** Splits an area into the README part and its reference blocks (a link replaces each block). */
function splitArea(text, page, title) {
  const readme = [];
  const reference = [];
  let rest = text;
  for (;;) {
    const start = rest.indexOf(OPEN);
    if (start < 0) break;
    const end = rest.indexOf(CLOSE, start);
    if (end < 0) throw new Error(`${page}: ${OPEN} without ${CLOSE}`);
    const block = rest.slice(start + OPEN.length, end).trim();
    readme.push(rest.slice(0, start));
    const headings = [...block.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    const links = headings.map((h) => `[${h.replace(/[`[\]]/g, "").replace(/</g, "&lt;")}](${page}#${anchor(h)})`).join(" · ");
    readme.push(`**More in [${title}: reference](${page}):** ${links}.\n`);
    reference.push(block);
    rest = rest.slice(end + CLOSE.length);
  }
  readme.push(rest);
  return { readme: readme.join("").trim(), reference };
}

export function buildDocs() {
  const out = [];
  const pages = new Map();
  for (const [file, title] of ORDER) {
    const p = path.join(parts, file);
    if (!fs.existsSync(p)) continue;
    const page = `${referenceDir}/${file}`;
    const { readme, reference } = splitArea(fs.readFileSync(p, "utf8").trim(), page, title ?? file);
    out.push(title ? `## ${title}\n\n${readme}` : readme);
    if (reference.length > 0) {
      const heading = `# ${title ?? file}: reference\n\nPart of keel's documentation; start at the [README](../../README.md).`;
      pages.set(page, `${heading}\n\n${reference.join("\n\n")}\n`);
    }
  }
  return relinked({ readme: `${out.join("\n\n")}\n`, pages });
}

/** The anchors of a markdown text's headings. */
function anchors(text) {
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1])));
}

/**
 * Points `(#anchor)` links at the file that now holds the heading: a README link to a section
 * that moved goes to its reference page, a page's link to a README section goes back up.
 */
function relinked({ readme, pages }) {
  const owner = new Map();
  for (const [page, text] of pages) for (const a of anchors(text)) owner.set(a, page);
  for (const a of anchors(readme)) owner.set(a, "README.md");
  const rewrite = (text, self) =>
    text.replace(/\]\(#([^)]+)\)/g, (whole, a) => {
      const file = owner.get(a);
      if (!file || file === self) return whole;
      const target = file === "README.md" ? "../../README.md" : self === "README.md" ? file : path.basename(file);
      return `](${target}#${a})`;
    });
  const relinkedPages = new Map([...pages].map(([page, text]) => [page, rewrite(text, page)]));
  return { readme: rewrite(readme, "README.md"), pages: relinkedPages };
}

const { readme, pages } = buildDocs();
const files = new Map([["README.md", readme], ...pages]);
// Pages of areas that no longer have reference blocks are stale.
const dir = path.join(root, referenceDir);
const stale = fs.existsSync(dir)
  ? fs
      .readdirSync(dir)
      .map((f) => `${referenceDir}/${f}`)
      .filter((f) => !files.has(f))
  : [];
if (process.argv.includes("--check")) {
  const outdated = [...files].filter(([f, text]) => {
    const p = path.join(root, f);
    return !fs.existsSync(p) || fs.readFileSync(p, "utf8") !== text;
  });
  for (const f of [...outdated.map(([f]) => f), ...stale])
    process.stderr.write(`${f} is out of date: run \`npm run docs\`\n`);
  if (outdated.length > 0 || stale.length > 0) process.exit(1);
} else {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of stale) fs.rmSync(path.join(root, f));
  for (const [f, text] of files) fs.writeFileSync(path.join(root, f), text);
}
