import { deleteStoredAuth, readStoredAuth, saveApiKey } from "../../auth/auth-file.js";
import { CHATGPT_UNAVAILABLE_WIRE } from "../../auth/messages.js";
import { UserError } from "../../lib/errors.js";
import type { LoginAccountParams } from "../../protocol/v2/account.js";
import { invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";
import { loadEngineConfig } from "./config-loader.js";
import type { Engine } from "./engine.js";
import { afterResponse } from "./outbox.js";
import { wire } from "./wire-errors.js";

const CHATGPT_ONLY = new Set<LoginAccountParams["type"]>([
  "chatgpt",
  "chatgptDeviceCode",
  "chatgptAuthTokens",
]);

/**
 * account/read, getAuthStatus, account/login/start, account/login/cancel, account/logout (spec
 * app-server.md §11): an API key in `$KEEL_HOME/auth.json`, as Codex keeps it. OpenAI auth is
 * required when the configured provider `requires_openai_auth`; a key from the provider's `env_key`
 * counts as signed in, since keel uses it (Codex ignores OPENAI_API_KEY for its OpenAI provider).
 */
export function accountHandlers(engine: Engine): HandlerModule {
  const home = engine.config.keelHome;
  const warn = (message: string) => engine.server.log(`warning: ${message}`);

  /**
   * Whether auth is needed, whether keel has a key for it (env_key first, then auth.json), and the
   * stored key when that is the one used. A key from the environment is never handed out: keel
   * keeps the parent's secrets from the agent's commands, and a client gets no more than they do.
   */
  const status = () => {
    const { modelProvider } = loadEngineConfig(engine.config, {});
    if (modelProvider.requires_openai_auth !== true) return { required: false, signedIn: false, token: null };
    const fromEnv = modelProvider.env_key ? engine.config.env[modelProvider.env_key]?.trim() : undefined;
    if (fromEnv) return { required: true, signedIn: true, token: null };
    const stored = readableStoredAuth();
    const token = stored?.mode === "apikey" ? stored.apiKey : null;
    return { required: true, signedIn: token !== null, token };
  };

  /**
   * A broken auth.json reads as signed out, as in Codex: the TUI aborts start-up when account/read
   * fails, and signing in again (which replaces the file) is the way out.
   */
  const readableStoredAuth = () => {
    try {
      return readStoredAuth(home, warn);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      warn(`${error.message}; treating it as signed out`);
      return null;
    }
  };

  const announce = (authMode: "apikey" | null) => {
    afterResponse(() =>
      engine.server.subscriptions.notifyAll("account/updated", { authMode, planType: null }),
    );
  };

  return {
    resource: "account",
    handlers: {
      "account/read": () =>
        wire(() => {
          const { required, signedIn } = status();
          return {
            account: signedIn ? { type: "apiKey" as const } : null,
            userId: null,
            requiresOpenaiAuth: required,
            workspaceRouting: null,
          };
        }),
      getAuthStatus: (params) =>
        wire(() => {
          const { required, signedIn, token } = status();
          return {
            authMethod: signedIn ? "apikey" : null,
            authToken: params.includeToken === true ? token : null,
            requiresOpenaiAuth: required,
          };
        }),
      "account/login/start": (params) =>
        wire(() => {
          if (CHATGPT_ONLY.has(params.type)) throw invalidRequest(CHATGPT_UNAVAILABLE_WIRE);
          if (params.type !== "apiKey") {
            throw invalidRequest(
              "Amazon Bedrock login is not available in keel; configure the provider in config.toml.",
            );
          }
          const apiKey = params.apiKey.trim();
          if (apiKey === "") throw invalidRequest("apiKey must not be empty");
          saveApiKey(home, apiKey);
          afterResponse(() =>
            engine.server.subscriptions.notifyAll("account/login/completed", {
              loginId: null,
              success: true,
              error: null,
              onboardingEntrypoint: null,
            }),
          );
          announce("apikey");
          return { type: "apiKey" as const };
        }),
      "account/login/cancel": (params) => {
        throw invalidRequest(`invalid login id: ${params.loginId}`);
      },
      "account/logout": () =>
        wire(() => {
          deleteStoredAuth(home);
          announce(null);
          return {};
        }),
    },
  };
}
