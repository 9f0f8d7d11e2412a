import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { fixture, stdioServer } from "./support.js";

/**
 * config/value/write, config/batchWrite and config/read against `keel app-server` over stdio:
 * comments survive, Codex's layer versions and conflict detection, its error codes and texts,
 * and config/read's layers and origins after a write. Every message is checked against keel's
 * and Codex 0.169's schemas (support.ts).
 */

const HEADER = "# my settings, hand-written\n";

async function server(extra = "") {
  const fx = await fixture({ extraToml: extra });
  const file = path.join(fx.home, "config.toml");
  fs.writeFileSync(file, HEADER + fs.readFileSync(file, "utf8"));
  const { peer } = stdioServer(fx);
  await peer.initialize();
  return { fx, peer, file };
}

describe("config writes over the app-server", () => {
  it("config/value/write keeps comments, returns Codex's version and config/read reflects it", async () => {
    const { peer, file } = await server("\n[tui]\n# keep this comment\nnotifications = true # and this\n");
    const before = await peer.request("config/read", { includeLayers: true });
    const userLayer = before.layers.find((l: { name: { type: string } }) => l.name.type === "user");

    const written = await peer.request("config/value/write", {
      keyPath: "tui.animations",
      value: false,
      mergeStrategy: "replace",
      expectedVersion: userLayer.version,
    });
    expect(written).toMatchObject({ status: "ok", filePath: file, overriddenMetadata: null });
    expect(written.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(written.version).not.toBe(userLayer.version);

    const text = fs.readFileSync(file, "utf8");
    expect(text.startsWith(HEADER)).toBe(true);
    expect(text).toContain(
      "[tui]\n# keep this comment\nnotifications = true # and this\nanimations = false\n",
    );

    const after = await peer.request("config/read", { includeLayers: true });
    const layer = after.layers.find((l: { name: { type: string } }) => l.name.type === "user");
    expect(layer.version).toBe(written.version);
    expect(layer.config.tui).toEqual({ notifications: true, animations: false });
    expect(after.origins["tui.animations"]).toEqual({
      name: { type: "user", file },
      version: written.version,
    });
  });

  it("a stale expectedVersion is refused with Codex's error and nothing is written", async () => {
    const { peer, file } = await server();
    const { layers } = await peer.request("config/read", { includeLayers: true });
    const version = layers.find((l: { name: { type: string } }) => l.name.type === "user").version;
    // Someone else changes a value in between (a comment-only change would keep the version).
    fs.appendFileSync(file, 'model_verbosity = "low"\n');
    const before = fs.readFileSync(file, "utf8");
    const stale = await peer.call("config/batchWrite", {
      edits: [{ keyPath: "model", value: "other", mergeStrategy: "replace" }],
      expectedVersion: version,
    });
    expect(stale.error).toEqual({
      code: -32600,
      message: "Configuration was modified since last read. Fetch latest version and retry.",
      data: { config_write_error_code: "configVersionConflict" },
    });
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  it("answers Codex's codes for another file, invalid values and bad key paths", async () => {
    const { peer, file, fx } = await server();
    const before = fs.readFileSync(file, "utf8");
    const error = async (params: Record<string, unknown>) =>
      (await peer.call("config/value/write", { mergeStrategy: "replace", ...params })).error;

    expect(
      await error({ keyPath: "model", value: "x", filePath: path.join(fx.workspace, "c.toml") }),
    ).toEqual({
      code: -32600,
      message: "Only writes to the user config are allowed",
      data: { config_write_error_code: "configLayerReadonly" },
    });
    const invalid = await error({ keyPath: "approval_policy", value: "sometimes" });
    expect(invalid.data).toEqual({ config_write_error_code: "configValidationError" });
    expect(invalid.message).toMatch(/^Invalid configuration: .*`approval_policy`/);
    expect((await error({ keyPath: "", value: 1 })).message).toBe("keyPath must not be empty");
    expect((await error({ keyPath: "a..b", value: 1 })).message).toBe("keyPath segments must not be empty");
    expect((await error({ keyPath: "model.x", value: 1 })).message).toBe(
      "cannot set value on non-table parent",
    );
    expect((await error({ keyPath: "x", value: [1, null] })).message).toBe(
      "invalid value: invalid type: null, expected any valid TOML value",
    );
    // A batch is all or nothing: the second edit is invalid, so the first is not written either.
    const batch = await peer.call("config/batchWrite", {
      edits: [
        { keyPath: "model", value: "ok", mergeStrategy: "replace" },
        { keyPath: "model", value: 3, mergeStrategy: "replace" },
      ],
    });
    expect(batch.error.data).toEqual({ config_write_error_code: "configValidationError" });
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  it("batchWrite upserts and replaces tables, removes keys with null, and reports an overriding layer", async () => {
    const { peer, file, fx } = await server('\n[shell_environment_policy]\ninherit = "core" # why\n');
    const result = await peer.request("config/batchWrite", {
      edits: [
        { keyPath: "shell_environment_policy", value: { exclude: ["X"] }, mergeStrategy: "upsert" },
        { keyPath: "history", value: { persistence: "none" }, mergeStrategy: "replace" },
        { keyPath: "approval_policy", value: null, mergeStrategy: "replace" },
      ],
      reloadUserConfig: true,
    });
    expect(result.status).toBe("ok");
    const text = fs.readFileSync(file, "utf8");
    expect(text).toContain('inherit = "core" # why\nexclude = ["X"]\n');
    const doc = parse(text) as Record<string, unknown>;
    expect(doc.shell_environment_policy).toEqual({ inherit: "core", exclude: ["X"] });
    expect(doc.history).toEqual({ persistence: "none" });
    expect(doc.approval_policy).toBeUndefined();

    // A trusted project's .keel/config.toml decides `model` for this cwd: the write is kept
    // but the client is told another layer wins.
    fs.mkdirSync(path.join(fx.workspace, ".keel"), { recursive: true });
    fs.writeFileSync(path.join(fx.workspace, ".keel", "config.toml"), 'model = "project-model"\n');
    await peer.request("config/value/write", {
      keyPath: `projects."${fx.workspace}".trust_level`,
      value: "trusted",
      mergeStrategy: "replace",
    });
    const overridden = await peer.request("config/value/write", {
      keyPath: "model",
      value: "user-model",
      mergeStrategy: "replace",
    });
    expect(overridden.status).toBe("okOverridden");
    expect(overridden.overriddenMetadata).toMatchObject({
      overridingLayer: { name: { type: "project", dotCodexFolder: path.join(fx.workspace, ".keel") } },
      effectiveValue: "project-model",
    });
  });
});
