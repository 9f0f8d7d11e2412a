import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Ajv, ValidateFunction } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCodexAjv } from "../support/codex-ajv.js";
import { clientRequests } from "../../src/protocol/v2/registry.js";
import { tempDir } from "../support/tmp.js";
import { fixtureToml } from "../mcp/fixture.js";
import {
  parseWithKeelSchemas,
  sampleInitializeResponse,
  sampleNotifications,
  sampleServerRequests,
  sampleThreadStartResponse,
} from "./samples.js";
import { StdioServer } from "./support.js";

/**
 * Wire compatibility with Codex 0.169.0 [cur] and 0.124.0 [seed]: messages keel sends must
 * validate against the JSON Schema that the real `codex app-server generate-json-schema` writes
 * (stable and `--experimental` variants).
 */

const repo = path.resolve(import.meta.dirname, "../..");
const versions = [
  { version: "0.169.0", bin: path.join(repo, "node_modules/@openai/codex/bin/codex.js") },
  { version: "0.124.0", bin: path.join(repo, "node_modules/codex-0124/bin/codex.js") },
].filter(({ bin }) => fs.existsSync(bin));

// ajv-formats is CommonJS; its default export arrives either unwrapped or as `.default`.

describe.each(versions)("compatibility with Codex $version's generated JSON Schema", ({ version, bin }) => {
  let schemaDir: string;
  let ajv: Ajv;
  const compiled = new Map<string, ValidateFunction>();

  const has = (relative: string) => fs.existsSync(path.join(schemaDir, relative));

  /** `relative` inside the stable schema, or inside the `--experimental` one with `exp/`. */
  function validator(relative: string): ValidateFunction {
    let validate = compiled.get(relative);
    if (validate === undefined) {
      validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(schemaDir, relative), "utf8")));
      compiled.set(relative, validate);
    }
    return validate;
  }

  function expectValid(relative: string, value: unknown): void {
    for (const variant of [relative, `exp/${relative}`]) {
      const validate = validator(variant);
      const ok = validate(value);
      expect(
        ok,
        `${variant}: ${JSON.stringify(validate.errors?.slice(0, 3))}\n${JSON.stringify(value)}`,
      ).toBe(true);
    }
  }

  let codexHome: string;

  beforeAll(() => {
    // The codex binary gets a throw-away home outside $TMPDIR, in the user's cache.
    const cache = path.join(os.homedir(), ".cache");
    fs.mkdirSync(cache, { recursive: true });
    codexHome = fs.mkdtempSync(path.join(cache, "keel-test-codex-home-"));
    schemaDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-codex-schema-"));
    for (const [out, extra] of [
      [schemaDir, []],
      [path.join(schemaDir, "exp"), ["--experimental"]],
    ] as const) {
      const run = spawnSync(
        process.execPath,
        [bin, "app-server", "generate-json-schema", "--out", out, ...extra],
        {
          env: { ...process.env, CODEX_HOME: codexHome },
          encoding: "utf8",
        },
      );
      expect(run.status, run.stderr).toBe(0);
    }
    ajv = createCodexAjv();
  });

  afterAll(() => {
    fs.rmSync(schemaDir, { recursive: true, force: true });
    fs.rmSync(codexHome, { recursive: true, force: true });
  });

  it("accepts the samples as keel's own schemas do", () => {
    expect(() => parseWithKeelSchemas()).not.toThrow();
  });

  it.skipIf(version !== "0.169.0")("really checks: item/started without startedAtMs is rejected", () => {
    const started = sampleNotifications.find((n) => n.method === "item/started")!;
    const { startedAtMs: _dropped, ...seedParams } = started.params as Record<string, unknown>;
    expect(validator("ServerNotification.json")({ method: "item/started", params: seedParams })).toBe(false);
  });

  it("accepts keel's initialize and thread/start responses", () => {
    expectValid("v1/InitializeResponse.json", sampleInitializeResponse);
    expectValid("v2/ThreadStartResponse.json", sampleThreadStartResponse);
    expectValid("v2/ThreadResumeResponse.json", sampleThreadStartResponse);
    expectValid("v2/ThreadForkResponse.json", sampleThreadStartResponse);
    expectValid("v2/ThreadReadResponse.json", { thread: sampleThreadStartResponse.thread });
  });

  it("knows every method keel routes", () => {
    const codexMethods = new Set(
      (
        JSON.parse(fs.readFileSync(path.join(schemaDir, "exp/ClientRequest.json"), "utf8")).oneOf as {
          properties: { method: { enum: string[] } };
        }[]
      ).map((v) => v.properties.method.enum[0]),
    );
    const missing = Object.keys(clientRequests).filter((m) => !codexMethods.has(m));
    // keel's own experimental methods, which no Codex has.
    const keelOnly = ["thread/approvals/list", "thread/approvals/revoke", "permissions/explain"];
    // `getAuthStatus` is a v1-era method Codex still serves outside the v2 schema; 0.169 dropped
    // `thread/rollback`; 0.124 predates the others.
    const expected: Record<string, string[]> = {
      "0.169.0": ["thread/rollback", "getAuthStatus", ...keelOnly],
      "0.124.0": [
        "getAuthStatus",
        "account/bedrock/checkGovCloudRequirements",
        "permissionProfile/list",
        "modelProvider/list",
        "hooks/list",
        "plugin/installed",
        "thread/backgroundTerminals/list",
        "thread/backgroundTerminals/terminate",
        "process/spawn",
        "process/writeStdin",
        "process/resizePty",
        "process/kill",
        "skills/extraRoots/set",
        "feedback/save",
        "thread/delete",
        "thread/items/list",
        "thread/revert",
        "thread/search",
        "thread/settings/update",
        "turn/settings/update",
        ...keelOnly,
      ],
    };
    expect(missing.sort()).toEqual([...(expected[version] ?? [])].sort());
  });

  it("accepts every notification keel produces", () => {
    for (const notification of sampleNotifications) expectValid("ServerNotification.json", notification);
  });

  it("accepts keel's server requests", () => {
    for (const request of sampleServerRequests) expectValid("ServerRequest.json", request);
  });

  it("accepts what the running keel server answers", async () => {
    const home = tempDir("keel-compat-");
    // A real MCP server and a disabled one, so the status listing carries tools and server info.
    fs.writeFileSync(
      path.join(home, "config.toml"),
      fixtureToml("fx") + fixtureToml("off", [], "enabled = false"),
    );
    const server = new StdioServer(home);
    try {
      const init = await server.initialize();
      expectValid("v1/InitializeResponse.json", init.result);
      const calls: [string, unknown, string][] = [
        ["account/read", { refreshToken: false }, "v2/GetAccountResponse.json"],
        ["configRequirements/read", null, "v2/ConfigRequirementsReadResponse.json"],
        ["skills/list", { cwds: [home] }, "v2/SkillsListResponse.json"],
        ["hooks/list", { cwds: [home] }, "v2/HooksListResponse.json"],
        ["mcpServerStatus/list", {}, "v2/ListMcpServerStatusResponse.json"],
        ["mcpServerStatus/list", { detail: "toolsAndAuthOnly" }, "v2/ListMcpServerStatusResponse.json"],
        ["experimentalFeature/list", {}, "v2/ExperimentalFeatureListResponse.json"],
        ["permissionProfile/list", {}, "v2/PermissionProfileListResponse.json"],
        ["thread/loaded/list", {}, "v2/ThreadLoadedListResponse.json"],
        ["thread/unsubscribe", { threadId: "x" }, "v2/ThreadUnsubscribeResponse.json"],
        ["plugin/list", {}, "v2/PluginListResponse.json"],
        ["plugin/installed", { cwds: [home] }, "v2/PluginInstalledResponse.json"],
        ["app/list", {}, "v2/AppsListResponse.json"],
      ];
      let id = 10;
      for (const [method, params, schema] of calls) {
        const response = await server.request(id++, method, params);
        expect(response.error, method).toBeUndefined();
        // Methods newer than this Codex version have no schema there.
        if (has(schema)) expectValid(schema, response.result);
      }
      // Errors use the JSON-RPC error envelope Codex describes.
      const error = await server.request(99, "nope/nope", {});
      expectValid("JSONRPCError.json", error);
    } finally {
      server.kill();
    }
  });
});
