import { spawn } from "node:child_process";

/** Opens a URL with xdg-open; a failure is a warning (the URL is printed anyway). */
export function openInBrowser(url: string): void {
  const warn = (why: string) =>
    process.stderr.write(`keel web: could not open a browser (${why}); open the URL above\n`);
  try {
    const child = spawn("xdg-open", [url], { stdio: "ignore", detached: true });
    child.once("error", (error) => warn(error.message));
    child.once("exit", (code) => {
      if (code !== 0 && code !== null) warn(`xdg-open exited with ${code}`);
    });
    child.unref();
  } catch (error) {
    warn(String(error));
  }
}
