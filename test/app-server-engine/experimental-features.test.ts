import { describe, expect, it } from "vitest";
import { fixture, stdioServer } from "./support.js";

/**
 * experimentalFeature/list (keel's real `[features]` flags, their stage, default and effective
 * state) and experimentalFeature/enablement/set (process-wide, never written to config.toml).
 */

type Feature = { name: string; stage: string; enabled: boolean; defaultEnabled: boolean };
const byName = (data: Feature[]) => Object.fromEntries(data.map((f) => [f.name, f]));

describe("experimental features", () => {
  it("lists the flags keel reads, as config.toml and requirements set them", async () => {
    const fx = await fixture({
      extraToml: "\n[features]\nshell_snapshot = false\ndefault_mode_request_user_input = true\n",
      requirements: "[features]\nhooks = false\n",
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { data, nextCursor } = await peer.request("experimentalFeature/list", {});
    expect(nextCursor).toBeNull();
    const flags = byName(data);
    expect(Object.keys(flags).sort()).toEqual(
      [
        "default_mode_request_user_input",
        "hooks",
        "shell_snapshot",
        "shell_tool",
        "unified_exec",
        "web_search_cached",
        "web_search_request",
      ].sort(),
    );
    expect(flags.shell_snapshot).toMatchObject({ stage: "stable", enabled: false, defaultEnabled: true });
    expect(flags.default_mode_request_user_input).toMatchObject({
      stage: "underDevelopment",
      enabled: true,
      defaultEnabled: false,
    });
    // A requirement pin wins over the default.
    expect(flags.hooks).toMatchObject({ enabled: false, defaultEnabled: true });
    expect(flags.shell_tool).toMatchObject({ enabled: true });

    const page = await peer.request("experimentalFeature/list", { limit: 3 });
    expect(page.data).toHaveLength(3);
    expect(page.nextCursor).toBe("3");
    const bad = await peer.call("experimentalFeature/list", { cursor: "zz" });
    expect(bad.error).toEqual({ code: -32600, message: "invalid cursor: zz" });
    const unknownThread = await peer.call("experimentalFeature/list", {
      threadId: "00000000-0000-4000-8000-000000000001",
    });
    expect(unknownThread.error.message).toContain("thread not found: 00000000-0000-4000-8000-000000000001");
  });

  it("enablement/set applies known flags for the process (list, config/read) and drops unknown names", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const set = await peer.request("experimentalFeature/enablement/set", {
      enablement: { shell_tool: false, no_such_feature: true },
    });
    expect(set).toEqual({ enablement: { shell_tool: false } });
    const flags = byName((await peer.request("experimentalFeature/list", {})).data);
    expect(flags.shell_tool).toMatchObject({ enabled: false, defaultEnabled: true });
    const { config } = await peer.request("config/read", {});
    expect(config.features).toMatchObject({ shell_tool: false });
    expect(await peer.request("experimentalFeature/enablement/set", { enablement: {} })).toEqual({
      enablement: {},
    });
  });
});
