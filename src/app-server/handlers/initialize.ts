import { primeWhileIdle } from "../idle-prime.js";
import type { HandlerModule } from "../router.js";
import { formatUserAgent } from "../user-agent.js";

/** `initialize` (spec app-server.md §3.1). */
export const initializeHandlers: HandlerModule = {
  resource: "initialize",
  handlers: {
    initialize: (params, { connection, server }) => {
      connection.markInitialized(params.clientInfo, params.capabilities);
      primeWhileIdle(server.home);
      return {
        userAgent: formatUserAgent({
          clientName: params.clientInfo.name,
          clientVersion: params.clientInfo.version,
          serverVersion: server.version,
          platform: server.platform,
          terminal: server.terminal,
        }),
        codexHome: server.home,
        platformFamily: server.platform.family,
        platformOs: server.platform.os,
      };
    },
  },
};
