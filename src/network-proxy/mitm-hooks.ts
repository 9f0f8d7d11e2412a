import fs from "node:fs";
import type http from "node:http";
import {
  MATCH_LITERAL_PREFIX,
  MATCH_PATTERN_PREFIX,
  type MitmActionToml,
  type NetworkMitmToml,
} from "../config/mitm-toml.js";
import { globToRegexSource } from "../permissions/glob.js";
import { normalizeHost } from "./patterns.js";

/**
 * `mitm` hooks at run time (network-proxy.md §2), as Codex 0.169 applies them to intercepted
 * HTTPS: hooks are grouped by exact host; the first hook whose method, path prefix, query and
 * header constraints all hold gives the actions (headers stripped, then secrets injected, an
 * injected header replacing the client's). A request to a hooked host that no hook matches is
 * refused; hosts without hooks are not touched. The config was validated when it was loaded.
 */

type Matcher = (candidate: string) => boolean;

export interface HookActions {
  strip: string[];
  inject: { name: string; value: string }[];
}

interface CompiledHook {
  methods: Set<string>;
  paths: Matcher[];
  query: { name: string; values: Matcher[] }[];
  headers: { name: string; values: Matcher[] }[];
  actions: HookActions;
}

/** Compiled hooks by normalized host. */
export type MitmHooks = ReadonlyMap<string, readonly CompiledHook[]>;

export type HookEvaluation =
  | { kind: "no-hooks" }
  | { kind: "matched"; actions: HookActions }
  | { kind: "no-match" };

function globMatcher(glob: string): Matcher {
  const re = new RegExp(globToRegexSource(glob));
  return (candidate) => re.test(candidate);
}

function pathMatcher(spec: string): Matcher {
  if (spec.startsWith(MATCH_PATTERN_PREFIX)) return globMatcher(spec.slice(MATCH_PATTERN_PREFIX.length));
  const prefix = spec.startsWith(MATCH_LITERAL_PREFIX) ? spec.slice(MATCH_LITERAL_PREFIX.length) : spec;
  return (candidate) => candidate.startsWith(prefix);
}

function valueMatcher(spec: string): Matcher {
  if (spec.startsWith(MATCH_PATTERN_PREFIX)) return globMatcher(spec.slice(MATCH_PATTERN_PREFIX.length));
  const exact = spec.startsWith(MATCH_LITERAL_PREFIX) ? spec.slice(MATCH_LITERAL_PREFIX.length) : spec;
  return (candidate) => candidate === exact;
}

/** Where injected secrets come from: keel's own environment, and files read once at start. */
export interface SecretSources {
  env: Readonly<Record<string, string | undefined>>;
  readFile?: (file: string) => string;
}

function resolveActions(
  names: readonly string[],
  actions: Record<string, MitmActionToml>,
  secrets: SecretSources,
) {
  const out: HookActions = { strip: [], inject: [] };
  const readFile = secrets.readFile ?? ((file: string) => fs.readFileSync(file, "utf8"));
  for (const name of names) {
    const action = actions[name]!;
    out.strip.push(...(action.strip_request_headers ?? []).map((h) => h.toLowerCase()));
    for (const header of action.inject_request_headers ?? []) {
      let secret: string;
      if (header.secret_env_var !== undefined) {
        const value = secrets.env[header.secret_env_var];
        if (value === undefined)
          throw new Error(
            `injected header ${header.name}: missing required environment variable ${header.secret_env_var}`,
          );
        secret = value;
      } else {
        try {
          secret = readFile(header.secret_file!).trim();
        } catch (error) {
          throw new Error(
            `injected header ${header.name}: cannot read secret file ${header.secret_file}: ${(error as Error).message}`,
          );
        }
      }
      const value = `${header.prefix ?? ""}${secret}`;
      // Header values cannot carry line breaks or other control characters.
      if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value))
        throw new Error(`injected header ${header.name}: the secret is not a valid header value`);
      out.inject.push({ name: header.name.toLowerCase(), value });
    }
  }
  return out;
}

/** Compiles validated `mitm` tables; throws a plain message when a secret cannot be had. */
export function compileMitmHooks(mitm: NetworkMitmToml, secrets: SecretSources): MitmHooks {
  const byHost = new Map<string, CompiledHook[]>();
  for (const hook of Object.values(mitm.hooks ?? {})) {
    const host = normalizeHost(hook.host);
    const compiled: CompiledHook = {
      methods: new Set(hook.methods.map((m) => m.trim().toUpperCase())),
      paths: hook.path_prefixes.map(pathMatcher),
      query: Object.entries(hook.query ?? {}).map(([name, values]) => ({
        name,
        values: values.map(valueMatcher),
      })),
      headers: Object.entries(hook.headers ?? {}).map(([name, values]) => ({
        name: name.toLowerCase(),
        values: values.map(valueMatcher),
      })),
      actions: resolveActions(hook.action, mitm.actions ?? {}, secrets),
    };
    byHost.set(host, [...(byHost.get(host) ?? []), compiled]);
  }
  return byHost;
}

function headerValues(req: http.IncomingMessage, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    if (req.rawHeaders[i]!.toLowerCase() === name) values.push(req.rawHeaders[i + 1]!);
  return values;
}

function matches(hook: CompiledHook, req: http.IncomingMessage, url: URL): boolean {
  if (!hook.methods.has((req.method ?? "GET").toUpperCase())) return false;
  if (!hook.paths.some((m) => m(url.pathname))) return false;
  for (const q of hook.query) {
    const actual = url.searchParams.getAll(q.name);
    if (!actual.some((v) => q.values.some((m) => m(v)))) return false;
  }
  for (const h of hook.headers) {
    const actual = headerValues(req, h.name);
    if (actual.length === 0) return false;
    if (h.values.length > 0 && !actual.some((v) => h.values.some((m) => m(v)))) return false;
  }
  return true;
}

/** What the hooks say about one intercepted request to `host`; `url` is its path and query. */
export function evaluateHooks(
  hooks: MitmHooks,
  host: string,
  req: http.IncomingMessage,
  url: URL,
): HookEvaluation {
  const list = hooks.get(normalizeHost(host));
  if (!list) return { kind: "no-hooks" };
  const hit = list.find((hook) => matches(hook, req, url));
  return hit ? { kind: "matched", actions: hit.actions } : { kind: "no-match" };
}

/** Strips, then injects (replacing any value the client sent). */
export function applyHookActions(headers: http.OutgoingHttpHeaders, actions: HookActions): void {
  for (const name of actions.strip) delete headers[name];
  for (const { name, value } of actions.inject) headers[name] = value;
}
