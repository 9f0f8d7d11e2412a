import { errorMessage } from "../lib/errors.js";
import { deleteStoredAuth, maskApiKey, readStoredAuth, saveApiKey } from "./auth-file.js";
import { CHATGPT_UNAVAILABLE, LOGIN_WITH_API_KEY } from "./messages.js";

/** What the login commands touch; the CLI entry point supplies the real process's. */
export interface LoginIo {
  home: string;
  stdinIsTTY: boolean;
  readStdin: () => Promise<string>;
  /** Codex writes every login message to stderr; so does keel. */
  stderr: (text: string) => void;
}

const CHECKED_LATER = "Authentication is checked when you send a request.";

/** `keel login --with-api-key`: the key comes from stdin (never argv, where `ps` would show it). */
export async function runLoginWithApiKey(io: LoginIo): Promise<number> {
  if (io.stdinIsTTY) {
    io.stderr(`--with-api-key expects the API key on stdin. Try piping it, e.g. ${LOGIN_WITH_API_KEY}.\n`);
    return 1;
  }
  io.stderr("Reading API key from stdin...\n");
  let apiKey: string;
  try {
    apiKey = (await io.readStdin()).trim();
  } catch (error) {
    io.stderr(`Failed to read API key from stdin: ${errorMessage(error)}\n`);
    return 1;
  }
  if (apiKey === "") {
    io.stderr("No API key provided via stdin.\n");
    return 1;
  }
  try {
    saveApiKey(io.home, apiKey);
  } catch (error) {
    io.stderr(`Error logging in: ${errorMessage(error)}\n`);
    return 1;
  }
  io.stderr(`API key saved. ${CHECKED_LATER}\n`);
  return 0;
}

/** `keel login` without `--with-api-key`, or with a ChatGPT-only flag. */
export function runChatgptLogin(io: Pick<LoginIo, "stderr">): number {
  io.stderr(`${CHATGPT_UNAVAILABLE}\n`);
  return 1;
}

/** `keel login status`: exit 0 when a usable API key is stored, 1 otherwise. */
export function runLoginStatus(io: Pick<LoginIo, "home" | "stderr">): number {
  try {
    const auth = readStoredAuth(io.home, (warning) => io.stderr(`warning: ${warning}\n`));
    if (auth === null) {
      io.stderr("Not logged in\n");
      return 1;
    }
    if (auth.mode === "chatgpt") {
      io.stderr(`Logged in using ChatGPT, which keel cannot use. ${CHATGPT_UNAVAILABLE}\n`);
      return 1;
    }
    io.stderr(`API key configured - ${maskApiKey(auth.apiKey)}\n${CHECKED_LATER}\n`);
    return 0;
  } catch (error) {
    io.stderr(`Error checking login status: ${errorMessage(error)}\n`);
    return 1;
  }
}

/** `keel logout`: removes auth.json; "Not logged in" (still exit 0) when there was none. */
export function runLogout(io: Pick<LoginIo, "home" | "stderr">): number {
  try {
    io.stderr(deleteStoredAuth(io.home) ? "Successfully logged out\n" : "Not logged in\n");
    return 0;
  } catch (error) {
    io.stderr(`Error logging out: ${errorMessage(error)}\n`);
    return 1;
  }
}
