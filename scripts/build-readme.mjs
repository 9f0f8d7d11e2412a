#!/usr/bin/env node
// Builds README.md from docs/readme/*.md, so each area's documentation lives next to the others
// and the README stays whole. `--check` exits 1 when README.md is out of date.
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const parts = path.join(root, "docs/readme");

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

export function buildReadme() {
  const out = [];
  for (const [file, title] of ORDER) {
    const p = path.join(parts, file);
    if (!fs.existsSync(p)) continue;
    const text = fs.readFileSync(p, "utf8").trim();
    out.push(title ? `## ${title}\n\n${text}` : text);
  }
  return `${out.join("\n\n")}\n`;
}

const readmePath = path.join(root, "README.md");
const next = buildReadme();
if (process.argv.includes("--check")) {
  const current = fs.existsSync(readmePath) ? fs.readFileSync(readmePath, "utf8") : "";
  if (current !== next) {
    process.stderr.write("README.md is out of date: run `npm run docs`\n");
    process.exit(1);
  }
} else {
  fs.writeFileSync(readmePath, next);
}
