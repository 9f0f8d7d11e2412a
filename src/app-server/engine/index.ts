import type { HandlerTable } from "../router.js";
import type { AppServer } from "../server.js";
import { accountHandlers } from "./account-handlers.js";
import { commandExecHandlers } from "./command-exec.js";
import { configHandlers } from "./config-handlers.js";
import { Engine, type EngineOptions } from "./engine.js";
import { fsHandlers } from "./fs-handlers.js";
import { fuzzySearchHandlers } from "./fuzzy-handlers.js";
import { processHandlers } from "./process-handlers.js";
import { skillsHandlers } from "./skills.js";
import { mcpHandlers } from "./mcp-handlers.js";
import { hookHandlers } from "./hook-handlers.js";
import { settingsHandlers } from "./settings-handlers.js";
import { threadHandlers } from "./thread-handlers.js";
import { threadManageHandlers } from "./thread-manage.js";
import { threadSettingsHandlers } from "./thread-settings.js";
import { threadLifecycleHandlers } from "./thread-lifecycle.js";
import { turnHandlers } from "./turn-handlers.js";
import { reviewHandlers } from "./review-handlers.js";
import { permissionsExplainHandlers } from "./explain-handlers.js";
import { rememberedApprovalHandlers } from "./remembered-handlers.js";

/**
 * Wires the session engine into an app-server: thread, turn and config methods replace the
 * "not available yet" placeholders, threads' events become notifications, approvals become
 * server requests. Returns the engine (its store and loaded threads).
 */
export function attachEngine(server: AppServer, options: EngineOptions = {}): Engine {
  const engine = new Engine(server, options);
  const table: Record<string, unknown> = {};
  for (const module of [
    threadLifecycleHandlers,
    threadHandlers,
    threadManageHandlers,
    threadSettingsHandlers,
    turnHandlers,
    reviewHandlers,
    configHandlers,
    accountHandlers,
    commandExecHandlers,
    processHandlers,
    mcpHandlers,
    hookHandlers,
    settingsHandlers,
    rememberedApprovalHandlers,
    permissionsExplainHandlers,
  ]) {
    const built = module(engine);
    Object.assign(table, built.handlers);
    server.router.registerModule(built);
  }
  for (const built of [fsHandlers(), fuzzySearchHandlers()]) {
    Object.assign(table, built.handlers);
    server.router.registerModule(built);
  }
  const skills = skillsHandlers(engine.skills, server, engine.config);
  Object.assign(table, skills.handlers);
  server.router.registerModule(skills);
  engine.handlers = table as HandlerTable;
  return engine;
}

export { DEFAULT_IDLE_UNLOAD_MS, Engine, type EngineOptions, type Scheduler } from "./engine.js";
export { ENGINE_METHODS } from "./methods.js";
export { EventMapper, type MapperOutput, type Notification } from "./event-mapper.js";
export { ThreadStatusTracker } from "./thread-status.js";
