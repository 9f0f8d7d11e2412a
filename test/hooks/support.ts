import fs from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { loadLayerStack } from "../../src/config/layers.js";
import { discoverHooks } from "../../src/hooks/discovery.js";
import { REPO_ROOT } from "../exec/support.js";
import type { RecordedRequest } from "../support/model-server.js";

/** The spec's hook JSON Schemas (test/fixtures/spec/hooks, copied from the spec), as Codex 0.169 has them. */
const FIXTURES = path.join(REPO_ROOT, "test/fixtures/spec/hooks");
const ajv = new Ajv({ strict: false });

/** Validates a value against `<name>.json` of the fixtures; returns ajv's errors (empty when valid). */
export function schemaErrors(name: string, value: unknown): string[] {
  const schema = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8"));
  const validate = ajv.compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/**
 * A hook script that saves its stdin to `<dir>/<name>.<n>.json` and then runs `body` (sh). The
 * payload file lets a test check what keel sent.
 */
export function hookScript(dir: string, name: string, body: string): string {
  const file = path.join(dir, `${name}.sh`);
  fs.writeFileSync(
    file,
    `#!/bin/sh\nn=$(ls ${dir} | grep -c "^${name}\\.payload\\.")\ncat > ${dir}/${name}.payload.$n.json\n${body}\n`,
    { mode: 0o755 },
  );
  return file;
}

/** The payloads a hookScript saved, in order. */
export function payloads(dir: string, name: string): Record<string, unknown>[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${name}.payload.`))
    .sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2]))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")));
}

/** `{"hooks": {<event>: [{matcher, hooks: [{type: command, command}]}]}}` */
export function hooksJson(
  groups: Record<
    string,
    {
      matcher?: string;
      command: string;
      timeout?: number;
      async?: boolean;
      additionalContextLimit?: number;
    }[]
  >,
): string {
  return JSON.stringify({
    hooks: Object.fromEntries(
      Object.entries(groups).map(([event, list]) => [
        event,
        list.map((g) => ({
          ...(g.matcher !== undefined ? { matcher: g.matcher } : {}),
          hooks: [
            {
              type: "command",
              command: g.command,
              ...(g.timeout ? { timeout: g.timeout } : {}),
              ...(g.async ? { async: true } : {}),
              ...(g.additionalContextLimit !== undefined
                ? { additionalContextLimit: g.additionalContextLimit }
                : {}),
            },
          ],
        })),
      ]),
    ),
  });
}

/** Writes `[hooks.state."<key>"] trusted_hash` for every hook discovered for the workspace. */
export function trustAll(fx: { home: string; workspace: string }): void {
  const { hooks } = discoverHooks(loadLayerStack({ keelHome: fx.home, cwd: fx.workspace }).layers, fx.home);
  const lines = hooks.map(
    (h) => `[hooks.state.${JSON.stringify(h.key)}]\ntrusted_hash = ${JSON.stringify(h.currentHash)}\n`,
  );
  fs.appendFileSync(path.join(fx.home, "config.toml"), `\n${lines.join("\n")}`);
}

/** A Responses API input item, as far as the hook tests read it. */
export type InputItem = {
  type: string;
  role?: string;
  content?: { text?: string }[];
  output?: string;
  call_id?: string;
};
export const inputOf = (request: RecordedRequest) => (request.body as { input: InputItem[] }).input;
export const textOf = (item: InputItem | undefined) =>
  (item?.content ?? []).map((c) => c.text ?? "").join("");
