import { invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";

/**
 * Account methods of a server without the session engine (no configuration, so no provider that
 * could need OpenAI auth). The engine replaces account/read, getAuthStatus and account/logout with
 * answers from `$KEEL_HOME/auth.json` (engine/account-handlers.ts).
 */
export const accountHandlers: HandlerModule = {
  resource: "account",
  handlers: {
    "account/read": () => ({ account: null, requiresOpenaiAuth: false }),
    getAuthStatus: () => ({ authMethod: null, authToken: null, requiresOpenaiAuth: false }),
    "account/rateLimits/read": () => {
      throw invalidRequest("codex account authentication required to read rate limits");
    },
    "account/logout": () => ({}),
    "account/bedrock/checkGovCloudRequirements": () => ({ isGovCloud: false, shouldWarn: false }),
  },
};
