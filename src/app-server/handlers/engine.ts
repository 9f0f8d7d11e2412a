import type { ClientRequestMethod } from "../../protocol/v2/registry.js";
import { ENGINE_METHODS } from "../engine/methods.js";
import { notAvailable } from "../errors.js";
import type { HandlerModule, HandlerTable, RequestHandler } from "../router.js";

/**
 * REGISTRATION POINT for the session engine. These methods need threads, turns, rollouts or the
 * resolved configuration; a server without the engine (`createAppServer` alone) answers them
 * −32600 `<method> is not available yet`. `attachEngine` (src/app-server/engine/) replaces them
 * with one module per resource; `runAppServer` attaches it unless told not to. Still answered by
 * the placeholder with the engine attached: `thread/rollback` (no engine support yet).
 * `configRequirements/read` and `permissionProfile/list` have protocol-only answers (registered
 * after these) until the engine replaces them.
 */
export const engineMethods: readonly ClientRequestMethod[] = [
  ...ENGINE_METHODS,
  // Not implemented by the engine yet.
  "thread/rollback",
];

function placeholder(method: ClientRequestMethod): RequestHandler<ClientRequestMethod> {
  return () => {
    throw notAvailable(method);
  };
}

export const enginePlaceholderHandlers: HandlerModule = {
  resource: "engine (placeholder)",
  handlers: Object.fromEntries(engineMethods.map((m) => [m, placeholder(m)])) as HandlerTable,
};
