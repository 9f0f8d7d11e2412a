import path from "node:path";
import { z } from "zod";
import { GlobCompileError, globToRegexSource } from "../permissions/glob.js";

/**
 * `[permissions.<p>.network.mitm]`: rewriting rules for intercepted HTTPS (network-proxy.md §2).
 * `hooks.<name>` match requests to one exact host; their `action` names entries of
 * `actions.<name>`, which strip request headers and inject secrets read from keel's own
 * environment or a file. The checks and their messages follow Codex 0.169, except that an
 * `action` naming no defined action is an error here (Codex silently applies nothing, which would
 * let a header meant to be stripped through).
 */

const InjectedHeaderTomlSchema = z.strictObject({
  name: z.string(),
  secret_env_var: z.string().optional(),
  secret_file: z.string().optional(),
  prefix: z.string().optional(),
});

const MitmHookTomlSchema = z.strictObject({
  host: z.string(),
  methods: z.array(z.string()),
  path_prefixes: z.array(z.string()),
  query: z.record(z.string(), z.array(z.string())).optional(),
  headers: z.record(z.string(), z.array(z.string())).optional(),
  body: z.unknown().optional(),
  action: z.array(z.string()),
});

const MitmActionTomlSchema = z.strictObject({
  strip_request_headers: z.array(z.string()).optional(),
  inject_request_headers: z.array(InjectedHeaderTomlSchema).optional(),
});

export type InjectedHeaderToml = z.infer<typeof InjectedHeaderTomlSchema>;
export type MitmHookToml = z.infer<typeof MitmHookTomlSchema>;
export type MitmActionToml = z.infer<typeof MitmActionTomlSchema>;

/** `pattern:` starts a glob; `literal:` (or no prefix) an exact text (a prefix for paths). */
export const MATCH_PATTERN_PREFIX = "pattern:";
export const MATCH_LITERAL_PREFIX = "literal:";

/** RFC 9110 token: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

type Issue = { path: (string | number)[]; message: string };

/** A `pattern:` value's problem, or null (literal values are always fine). */
function patternProblem(value: string): string | null {
  if (!value.startsWith(MATCH_PATTERN_PREFIX)) return null;
  const glob = value.slice(MATCH_PATTERN_PREFIX.length);
  if (glob === "") return "glob pattern must not be empty";
  try {
    globToRegexSource(glob);
    return null;
  } catch (error) {
    return error instanceof GlobCompileError ? error.message : String(error);
  }
}

function literalOf(value: string): string {
  return value.startsWith(MATCH_LITERAL_PREFIX) ? value.slice(MATCH_LITERAL_PREFIX.length) : value;
}

function hookIssues(hook: MitmHookToml, actions: Record<string, MitmActionToml>): Issue[] {
  const issues: Issue[] = [];
  const host = hook.host.trim();
  if (host === "") issues.push({ path: ["host"], message: "host must not be empty" });
  else if (host.includes("*"))
    issues.push({
      path: ["host"],
      message: "MITM hook hosts must be exact hosts and cannot contain wildcards",
    });
  if (hook.methods.length === 0) issues.push({ path: ["methods"], message: "methods must not be empty" });
  if (hook.methods.some((m) => m.trim() === ""))
    issues.push({ path: ["methods"], message: "methods must not contain empty entries" });
  if (hook.path_prefixes.length === 0)
    issues.push({ path: ["path_prefixes"], message: "path_prefixes must not be empty" });
  hook.path_prefixes.forEach((prefix, i) => {
    const problem =
      patternProblem(prefix) ??
      (!prefix.startsWith(MATCH_PATTERN_PREFIX) && literalOf(prefix) === ""
        ? "path_prefixes must not contain empty entries"
        : null);
    if (problem) issues.push({ path: ["path_prefixes", i], message: problem });
  });
  if (hook.body !== undefined)
    issues.push({
      path: ["body"],
      message: "body is reserved for a future release and is not yet supported",
    });
  for (const [key, values] of Object.entries(hook.query ?? {})) {
    if (key === "") issues.push({ path: ["query"], message: "query keys must not be empty" });
    if (values.length === 0)
      issues.push({
        path: ["query", key],
        message: `query key ${JSON.stringify(key)} must list at least one allowed value`,
      });
    values.forEach((v, i) => {
      const problem = patternProblem(v);
      if (problem) issues.push({ path: ["query", key, i], message: problem });
    });
  }
  for (const [name, values] of Object.entries(hook.headers ?? {})) {
    if (!isHeaderName(name))
      issues.push({ path: ["headers", name], message: `invalid header name ${JSON.stringify(name)}` });
    values.forEach((v, i) => {
      const problem = patternProblem(v);
      if (problem) issues.push({ path: ["headers", name, i], message: problem });
    });
  }
  if (hook.action.length === 0) issues.push({ path: ["action"], message: "action must not be empty" });
  for (const name of hook.action)
    if (!Object.hasOwn(actions, name))
      issues.push({ path: ["action"], message: `references undefined action ${JSON.stringify(name)}` });
  return issues;
}

function actionIssues(action: MitmActionToml): Issue[] {
  const issues: Issue[] = [];
  const strip = action.strip_request_headers ?? [];
  const inject = action.inject_request_headers ?? [];
  if (strip.length === 0 && inject.length === 0)
    issues.push({ path: [], message: "must define at least one operation" });
  strip.forEach((name, i) => {
    if (!isHeaderName(name))
      issues.push({
        path: ["strip_request_headers", i],
        message: `invalid header name ${JSON.stringify(name)}`,
      });
  });
  inject.forEach((header, i) => {
    const at = ["inject_request_headers", i];
    if (!isHeaderName(header.name))
      issues.push({ path: [...at, "name"], message: `invalid header name ${JSON.stringify(header.name)}` });
    const fromEnv = header.secret_env_var !== undefined;
    const fromFile = header.secret_file !== undefined;
    if (fromEnv === fromFile)
      issues.push({ path: at, message: "expected exactly one of secret_env_var or secret_file" });
    else if (fromEnv && header.secret_env_var!.trim() === "")
      issues.push({ path: [...at, "secret_env_var"], message: "secret_env_var must not be empty" });
    else if (fromFile && header.secret_file!.trim() === "")
      issues.push({ path: [...at, "secret_file"], message: "secret_file must not be empty" });
    else if (fromFile && !path.isAbsolute(header.secret_file!))
      issues.push({
        path: [...at, "secret_file"],
        message: `secret_file must be an absolute path: ${JSON.stringify(header.secret_file)}`,
      });
  });
  return issues;
}

export const NetworkMitmTomlSchema = z
  .strictObject({
    hooks: z.record(z.string(), MitmHookTomlSchema).optional(),
    actions: z.record(z.string(), MitmActionTomlSchema).optional(),
  })
  .superRefine((mitm, ctx) => {
    const actions = mitm.actions ?? {};
    for (const [name, action] of Object.entries(actions))
      for (const issue of actionIssues(action))
        ctx.addIssue({ code: "custom", path: ["actions", name, ...issue.path], message: issue.message });
    for (const [name, hook] of Object.entries(mitm.hooks ?? {}))
      for (const issue of hookIssues(hook, actions))
        ctx.addIssue({ code: "custom", path: ["hooks", name, ...issue.path], message: issue.message });
  });
export type NetworkMitmToml = z.infer<typeof NetworkMitmTomlSchema>;
