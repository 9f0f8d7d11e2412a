import fs from "node:fs";
import path from "node:path";
import { isLoopback, type ListenSpec } from "../listen.js";
import type { WsAuthPolicy } from "../ws-auth.js";
import { type WebAccess, generateWebToken, webAccess } from "./access.js";

export interface WebOptions {
  /** The built page: `dist/web` of the package. */
  readonly root: string;
  /** Called with the page URL (token included) once the port is bound: `--open`. */
  readonly onUrl?: (url: string) => void;
}

export interface PreparedWeb {
  readonly root: string;
  readonly token: string;
  readonly access: WebAccess;
}

/**
 * Checks that `keel web` can start as asked and makes its capability token. Fails closed: only a
 * loopback TCP listener (the page is plain HTTP, and its Origin check names loopback hosts), no
 * `--ws-auth` (the page brings its own token), and a built page.
 */
export function prepareWeb(options: WebOptions, listen: ListenSpec, auth: WsAuthPolicy | null): PreparedWeb {
  if (listen.kind !== "tcp") {
    throw new Error("the web page needs a TCP listener: --listen ws://127.0.0.1:PORT");
  }
  if (!isLoopback(listen.host)) {
    throw new Error(
      `the web page is served on loopback addresses only (127.0.0.1, ::1, localhost), not ${listen.host}`,
    );
  }
  if (auth !== null) {
    throw new Error("--web makes its own capability token; drop --ws-auth and its flags");
  }
  const index = path.join(options.root, "index.html");
  if (!fs.existsSync(index)) {
    throw new Error(`the web page is not built (${index} is missing); run \`npm run build\``);
  }
  const token = generateWebToken();
  return { root: fs.realpathSync(options.root), token, access: webAccess(token) };
}

/** `ws://HOST:PORT` → the page URL with the token in the fragment (never sent to the server). */
export function webBannerLine(listenerUrl: string, token: string): string {
  return `${listenerUrl.replace(/^ws:/, "http:")}/#token=${token}`;
}
