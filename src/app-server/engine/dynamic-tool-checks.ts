import type { DynamicToolSpec } from "../../protocol/v2/thread.js";

/**
 * Codex 0.169 refuses a `thread/start` whose dynamic tools the Responses API would reject (bad or
 * duplicate names, a schema that is not an object) or that shadow MCP names, so the client learns
 * at once instead of every turn failing later. The texts are Codex's, observed on its app-server.
 */

const API_NAME = /^[a-zA-Z0-9_-]+$/;

type Kind = "name" | "namespace";

function nameProblem(kind: Kind, raw: string): string | null {
  const name = raw.trim();
  if (name === "") return `dynamic tool ${kind} must not be empty`;
  if (name !== raw) return `dynamic tool ${kind} has leading/trailing whitespace: ${raw}`;
  if (!API_NAME.test(name))
    return `dynamic tool ${kind} must match ${API_NAME.source} to match Responses API: ${raw}`;
  if (name === "mcp" || name.startsWith("mcp__")) return `dynamic tool ${kind} is reserved: ${raw}`;
  return null;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "sequence";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return typeof value === "string" ? "string" : "map";
}

function schemaProblem(name: string, schema: unknown): string | null {
  if (typeof schema === "object" && schema !== null && !Array.isArray(schema)) return null;
  return `dynamic tool input schema is not supported for ${name}: invalid type: ${jsonType(schema)}, expected struct JsonSchema`;
}

interface Fn {
  name: string;
  inputSchema: unknown;
}

/** Checks one scope's functions (the top level or one namespace) for bad and duplicate names. */
function functionsProblem(fns: readonly Fn[], namespace: string | null): string | null {
  const seen = new Set<string>();
  for (const fn of fns) {
    const problem = nameProblem("name", fn.name) ?? schemaProblem(fn.name, fn.inputSchema);
    if (problem) return problem;
    if (seen.has(fn.name)) {
      return namespace === null
        ? `duplicate dynamic tool name: ${fn.name}`
        : `duplicate dynamic tool name in namespace ${namespace}: ${fn.name}`;
    }
    seen.add(fn.name);
  }
  return null;
}

/** Why Codex would refuse these dynamic tools, or null when they are fine. */
export function dynamicToolsProblem(specs: readonly DynamicToolSpec[]): string | null {
  // Canonical entries carry `type` (and so do their namespace's tools); legacy ones never do.
  const canonical = specs.map(
    (spec) =>
      "type" in spec &&
      spec.type !== undefined &&
      (spec.type !== "namespace" || spec.tools.every((t) => t.type === "function")),
  );
  const legacy = specs.map((spec) => !("type" in spec) || spec.type === undefined);
  if (canonical.some((c, i) => !c && !legacy[i]) || (canonical.some(Boolean) && legacy.some(Boolean))) {
    return "Invalid request: dynamic tools must use either canonical or legacy format consistently";
  }

  const topLevel: Fn[] = [];
  const namespaces = new Map<string, Fn[]>();
  for (const spec of specs) {
    if ("type" in spec && spec.type === "namespace") {
      const problem = nameProblem("namespace", spec.name);
      if (problem) return problem;
      if (namespaces.has(spec.name)) return `duplicate dynamic tool namespace: ${spec.name}`;
      if (spec.tools.length === 0)
        return `dynamic tool namespace must contain at least one tool: ${spec.name}`;
      namespaces.set(spec.name, [...spec.tools]);
      continue;
    }
    const namespace = "namespace" in spec ? (spec.namespace ?? null) : null;
    if (namespace === null) {
      topLevel.push(spec);
      continue;
    }
    // Legacy specs name their namespace per tool: they gather into one group.
    const problem = nameProblem("namespace", namespace);
    if (problem) return problem;
    namespaces.set(namespace, [...(namespaces.get(namespace) ?? []), spec]);
  }
  const top = functionsProblem(topLevel, null);
  if (top) return top;
  for (const [namespace, fns] of namespaces) {
    const problem = functionsProblem(fns, namespace);
    if (problem) return problem;
  }
  return null;
}
