import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { ConfigLayerEntry } from "../config/layers.js";
import { isTable, type TomlTable } from "../config/toml-file.js";
import { eventSnake, HOOK_EVENTS, type HookEventName, isHookEvent, usesMatcher } from "./events.js";
import { compileMatcher } from "./matcher.js";
import {
  DEFAULT_HOOK_TIMEOUT_SEC,
  type HookDefinition,
  type HookInventory,
  type HookSource,
  type HookTrustStatus,
} from "./types.js";

interface HookState {
  trustedHash: string | null;
  enabled: boolean;
}

interface LayerSourceFile {
  sourcePath: string;
  source: HookSource;
  isManaged: boolean;
  /** `{<Event>: [group…]}` as read, or null when the file is absent. */
  events: Record<string, unknown> | null;
}

/**
 * Hooks of every enabled layer (system = managed, user, trusted project folders), each layer's
 * `hooks.json` before its `[hooks]` table, events in Codex's order. A disabled (untrusted)
 * project layer contributes nothing. Unreadable files land in `errors`, odd entries in `warnings`.
 */
export function discoverHooks(layers: readonly ConfigLayerEntry[], keelHome: string): HookInventory {
  const inventory: HookInventory = { hooks: [], warnings: [], errors: [] };
  const state = trustState(layers);
  let order = 0;
  for (const layer of layers) {
    if (layer.disabledReason !== null) continue;
    const sources = layerSources(layer, keelHome, inventory);
    if (sources.length === 2) {
      inventory.warnings.push(
        `loading hooks from both ${sources[0]!.sourcePath} and ${sources[1]!.sourcePath}; prefer a single representation for this layer`,
      );
    }
    for (const file of sources) {
      for (const event of HOOK_EVENTS) {
        const groups = file.events?.[event];
        if (groups === undefined) continue;
        for (const hook of eventHooks(file, event, groups, state, inventory.warnings)) {
          inventory.hooks.push({ ...hook, displayOrder: order++ });
        }
      }
    }
  }
  return inventory;
}

/** The normalised hook Codex hashes for trust: event, matcher and the handler with defaults. */
export function hookHash(
  event: HookEventName,
  matcher: string | null,
  handler: Record<string, unknown>,
): string {
  const canonical = JSON.stringify({ event: eventSnake(event), matcher, handler }, sortedKeys);
  return `sha256:${createHash("sha256").update(canonical).digest("hex")}`;
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (!isTable(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, (value as TomlTable)[k]]),
  );
}

function layerSources(
  layer: ConfigLayerEntry,
  keelHome: string,
  inventory: HookInventory,
): LayerSourceFile[] {
  const where = layerDir(layer, keelHome);
  if (!where) return [];
  const out: LayerSourceFile[] = [];
  const jsonPath = path.join(where.dir, "hooks.json");
  const json = readHooksJson(jsonPath, inventory);
  if (json) out.push({ sourcePath: jsonPath, ...where.meta, events: json });
  const table = layer.config.hooks;
  if (isTable(table)) {
    const events = Object.fromEntries(Object.entries(table).filter(([k]) => isHookEvent(k)));
    if (Object.keys(events).length > 0) {
      out.push({ sourcePath: path.join(where.dir, "config.toml"), ...where.meta, events });
    }
  }
  return out;
}

function layerDir(
  layer: ConfigLayerEntry,
  keelHome: string,
): { dir: string; meta: { source: HookSource; isManaged: boolean } } | null {
  switch (layer.source.type) {
    case "system": {
      // A system config placed in KEEL_HOME must not turn the user's hooks.json into managed hooks.
      const dir = path.dirname(layer.source.file);
      if (path.resolve(dir) === path.resolve(keelHome)) return null;
      return { dir, meta: { source: "system", isManaged: true } };
    }
    case "user":
      return { dir: keelHome, meta: { source: "user", isManaged: false } };
    case "project":
      return { dir: layer.source.dotCodexFolder, meta: { source: "project", isManaged: false } };
    default:
      // `-c` overrides have no file a trust key could name; keel reads hooks from files only.
      return null;
  }
}

function readHooksJson(file: string, inventory: HookInventory): Record<string, unknown> | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    inventory.errors.push({ path: file, message: `failed to read hooks file: ${(error as Error).message}` });
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    inventory.errors.push({ path: file, message: `failed to parse hooks file: ${(error as Error).message}` });
    return null;
  }
  if (!isTable(parsed) || (parsed.hooks !== undefined && !isTable(parsed.hooks))) {
    inventory.errors.push({ path: file, message: 'failed to parse hooks file: expected {"hooks": {…}}' });
    return null;
  }
  return (parsed.hooks as Record<string, unknown> | undefined) ?? {};
}

function eventHooks(
  file: LayerSourceFile,
  event: HookEventName,
  groups: unknown,
  state: Map<string, HookState>,
  warnings: string[],
): Omit<HookDefinition, "displayOrder">[] {
  const out: Omit<HookDefinition, "displayOrder">[] = [];
  if (!Array.isArray(groups)) {
    warnings.push(`skipping ${event} hooks in ${file.sourcePath}: expected a list of matcher groups`);
    return out;
  }
  groups.forEach((group, groupIndex) => {
    if (!isTable(group) || !Array.isArray(group.hooks)) {
      warnings.push(
        `skipping ${event} hook group ${groupIndex} in ${file.sourcePath}: expected {matcher?, hooks: […]}`,
      );
      return;
    }
    const matcher = typeof group.matcher === "string" ? group.matcher : null;
    const compiled = compileMatcher(usesMatcher(event) ? matcher : null);
    if ("error" in compiled) {
      warnings.push(
        `invalid matcher "${matcher}" in ${file.sourcePath}: regex parse error: ${compiled.error}`,
      );
      return;
    }
    group.hooks.forEach((handler, handlerIndex) => {
      const normalized = normalizeHandler(handler, file.sourcePath, warnings);
      if (!normalized) return;
      const key = `${file.sourcePath}:${eventSnake(event)}:${groupIndex}:${handlerIndex}`;
      const currentHash = hookHash(event, matcher, normalized);
      const saved = state.get(key);
      out.push({
        key,
        event,
        matcher,
        matches: (targets) => targets.some(compiled),
        command: normalized.type === "command" ? normalized.command : "",
        mcp:
          normalized.type === "mcp_tool"
            ? { server: normalized.server, tool: normalized.tool, input: normalized.input }
            : null,
        timeoutSec: normalized.timeout,
        async: normalized.type === "command" && normalized.async,
        statusMessage: normalized.statusMessage,
        additionalContextLimit: normalized.additionalContextLimit,
        sourcePath: file.sourcePath,
        source: file.source,
        enabled: saved?.enabled ?? true,
        isManaged: file.isManaged,
        currentHash,
        trustStatus: trustStatus(file.isManaged, currentHash, saved),
      });
    });
  });
  return out;
}

interface NormalizedCommon {
  [key: string]: unknown;
  timeout: number;
  statusMessage: string | null;
  additionalContextLimit: number | null;
}
type NormalizedHandler =
  | (NormalizedCommon & { type: "command"; command: string; async: boolean })
  | (NormalizedCommon & { type: "mcp_tool"; server: string; tool: string; input: Record<string, unknown> });

function normalizeHandler(
  handler: unknown,
  sourcePath: string,
  warnings: string[],
): NormalizedHandler | null {
  if (!isTable(handler)) {
    warnings.push(`skipping malformed hook in ${sourcePath}: expected a table`);
    return null;
  }
  const type = handler.type;
  if (type === "prompt" || type === "agent") {
    warnings.push(`skipping ${type} hook in ${sourcePath}: ${type} hooks are not supported yet`);
    return null;
  }
  if (type !== "command" && type !== "mcp_tool") {
    warnings.push(`skipping hook in ${sourcePath}: unknown hook type ${JSON.stringify(type)}`);
    return null;
  }
  const timeout =
    typeof handler.timeout === "number" ? Math.max(1, Math.floor(handler.timeout)) : DEFAULT_HOOK_TIMEOUT_SEC;
  const limit = handler.additionalContextLimit;
  const common = {
    timeout,
    statusMessage: typeof handler.statusMessage === "string" ? handler.statusMessage : null,
    additionalContextLimit: typeof limit === "number" && limit >= 0 ? Math.floor(limit) : null,
  };
  if (type === "mcp_tool") {
    const { server, tool, input } = handler;
    if (typeof server !== "string" || server === "" || typeof tool !== "string" || tool === "") {
      warnings.push(`skipping mcp_tool hook in ${sourcePath}: \`server\` and \`tool\` are required`);
      return null;
    }
    if (input !== undefined && !isTable(input)) {
      warnings.push(`skipping mcp_tool hook in ${sourcePath}: \`input\` must be an object of tool arguments`);
      return null;
    }
    return { type, server, tool, input: (input as Record<string, unknown> | undefined) ?? {}, ...common };
  }
  const command = typeof handler.command === "string" ? handler.command : "";
  if (command.trim() === "") {
    warnings.push(`skipping empty hook command in ${sourcePath}`);
    return null;
  }
  return { type: "command", command, async: handler.async === true, ...common };
}

function trustStatus(isManaged: boolean, currentHash: string, saved: HookState | undefined): HookTrustStatus {
  if (isManaged) return "managed";
  if (!saved?.trustedHash) return "untrusted";
  return saved.trustedHash === currentHash ? "trusted" : "modified";
}

/** `hooks.state."<key>"` from the user layer only: a project must not be able to trust itself. */
function trustState(layers: readonly ConfigLayerEntry[]): Map<string, HookState> {
  const out = new Map<string, HookState>();
  for (const layer of layers) {
    if (layer.source.type !== "user") continue;
    const hooks = layer.config.hooks;
    const state = isTable(hooks) ? hooks.state : undefined;
    if (!isTable(state)) continue;
    for (const [key, value] of Object.entries(state)) {
      if (!isTable(value)) continue;
      out.set(key, {
        trustedHash: typeof value.trusted_hash === "string" ? value.trusted_hash : null,
        enabled: value.enabled !== false,
      });
    }
  }
  return out;
}
