import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * Opens the page with xdg-open; a failure is a warning (the URL is printed anyway). The browser is
 * handed a private file (mode 0600 in a 0700 folder of the keel home) that redirects to the URL,
 * not the URL itself: a command line, the browser's included, is readable by every local user,
 * and the URL carries the token. The file is removed when keel exits.
 */
export function openInBrowser(url: string, home: string): void {
  const warn = (why: string) =>
    process.stderr.write(`keel web: could not open a browser (${why}); open the URL above\n`);
  let file: string;
  try {
    file = writeRedirect(url, path.join(home, "web"));
  } catch (error) {
    warn(error instanceof Error ? error.message : String(error));
    return;
  }
  process.once("exit", () => fs.rmSync(file, { force: true }));
  try {
    const child = spawn("xdg-open", [file], { stdio: "ignore", detached: true });
    child.once("error", (error) => warn(error.message));
    child.once("exit", (code) => {
      if (code !== 0 && code !== null) warn(`xdg-open exited with ${code}`);
    });
    child.unref();
  } catch (error) {
    warn(String(error));
  }
}

function writeRedirect(url: string, dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const file = path.join(dir, `open-${process.pid}.html`);
  const href = url.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${href}"><title>keel web</title><a href="${href}">Open keel web</a>\n`;
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, html, { mode: 0o600, flag: "wx" });
  return file;
}
