import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { textTurn } from "../support/model-server.js";
import { type Fixture, fixture, type Message, type Peer, stdioServer } from "./support.js";

/**
 * Session start-up notices through `keel app-server` (session.md §5): texts and kinds as Codex
 * 0.169 sends them (observed on the binary with the same config), in the seed's order.
 */

const WEB_SEARCH_DETAILS =
  'Set `web_search` to `"live"`, `"indexed"`, `"cached"`, or `"disabled"` at the top level (or under a profile) in config.toml if you want to override it.';
const alias = (key: string, canonical: string) => ({
  summary: `\`[features].${key}\` is deprecated. Use \`[features].${canonical}\` instead.`,
  details: `Enable it with \`--enable ${canonical}\` or \`[features].${canonical}\` in config.toml. See https://developers.openai.com/codex/config-basic#feature-flags for details.`,
});

/** The warnings sent once a turn has run: the turn proves the start-up burst is over. */
async function warningsAfterOneTurn(fx: Fixture, peer: Peer, threadId: string): Promise<string[]> {
  fx.model.enqueue(textTurn("ok"));
  const { turn } = await peer.request("turn/start", {
    threadId,
    input: [{ type: "text", text: "hi", text_elements: [] }],
  });
  await peer.notification("turn/completed", (p) => p.turn.id === turn.id);
  return peer.received.filter((m) => m.method === "warning").map((m) => m.params.message);
}

describe("start-up deprecation notices and warnings", () => {
  // `on-failure` (whose warning sits before the hook warnings) is covered in
  // test/session/startup.test.ts: keel's thread/start echoes it, which Codex 0.169's schema rejects.
  it("sends notices, config warnings, unstable features and hook warnings in order", async () => {
    const fx = await fixture({
      topLevel: { experimental_use_unified_exec_tool: true, experimental_instructions_file: "x.md" },
      extraToml:
        "\n[features]\nweb_search_request = true\ncollab = false\n" +
        "use_legacy_landlock = true\ntranscript_v2 = true\nmulti_agent = true\nrequest_permissions_tool = true\n" +
        "code_mode_prewarm = true\ninstant_interrupt = false\nconnectors = true\n",
    });
    // A hook Codex cannot run: its discovery warning comes after every other start-up warning.
    fs.writeFileSync(
      path.join(fx.home, "hooks.json"),
      JSON.stringify({ hooks: { PreToolUse: [{ hooks: [{ type: "command", command: "" }] }] } }),
    );
    const { peer } = stdioServer(fx);
    await peer.initialize();
    await peer.request("thread/start", { cwd: fx.workspace });
    await peer.notification("warning", (p) => /hook/.test(p.message));

    const started = peer.received.findIndex((m) => m.method === "thread/started");
    const after = peer.received
      .slice(started + 1)
      .filter((m) => /^(deprecationNotice|warning)$/.test(m.method ?? ""));
    const notices = after.filter((m) => m.method === "deprecationNotice").map((m) => m.params);
    const warnings = after
      .filter((m) => m.method === "warning")
      .map((m: Message) => m.params.message as string);

    // Notices first, ordered by key; the seed's instructions-file notice closes them.
    expect(after.slice(0, notices.length).every((m) => m.method === "deprecationNotice")).toBe(true);
    expect(notices).toEqual([
      alias("collab", "multi_agent"),
      alias("connectors", "apps"),
      alias("experimental_use_unified_exec_tool", "unified_exec"),
      {
        summary: "`[features].transcript_v2` is deprecated and ignored.",
        details: "Use `[tui].fullscreen_transcript` in config.toml instead.",
      },
      {
        summary: "`[features].use_legacy_landlock` is deprecated and will be removed soon.",
        details: "Remove this setting to stop opting into the legacy Linux sandbox behavior.",
      },
      {
        summary: "`[features].web_search_request` is deprecated because web search is enabled by default.",
        details: WEB_SEARCH_DETAILS,
      },
      {
        summary:
          "`experimental_instructions_file` is deprecated and ignored. Use `model_instructions_file` instead.",
        details:
          "Move the setting to `model_instructions_file` in config.toml (or under a profile) to load instructions from a file.",
      },
    ]);
    expect(warnings[0]).toBe(
      "`[features].multi_agent` is deprecated. It still controls the V1 fallback. `[agents].enabled = false` disables subagent tools even when the model selects a subagent version, unless `[features].multi_agent_v2` is enabled.",
    );
    // instant_interrupt is under development but set to false: not named.
    const unstable = warnings.findIndex((w) => w.startsWith("Under-development"));
    expect(warnings[unstable]).toBe(
      "Under-development features enabled: code_mode_prewarm, request_permissions_tool. Under-development features are incomplete and may behave unpredictably. To suppress this warning, set `suppress_unstable_features_warning = true` in " +
        `${path.join(fx.home, "config.toml")}.`,
    );
    expect(warnings[unstable + 1]).toMatch(/empty hook command/);
    expect(warnings).toHaveLength(unstable + 2);
    expect(fx.checker.check()).toEqual([]);
  });

  it("suppress_unstable_features_warning hides the unstable-features warning and nothing else", async () => {
    const fx = await fixture({
      topLevel: { suppress_unstable_features_warning: true },
      extraToml: "[features]\nrequest_permissions_tool = true\nweb_search_cached = true\n",
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    await peer.notification("deprecationNotice", (p) => /web_search_cached/.test(p.summary));
    const warnings = await warningsAfterOneTurn(fx, peer, thread.id);
    expect(warnings.filter((w: string) => w.startsWith("Under-development"))).toEqual([]);
  });

  it("features.multi_agent from thread/start's config (session flags) raises no warning, as in Codex", async () => {
    // The 0.169 TUI starts its hidden title thread with `features.multi_agent = false`.
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { thread } = await peer.request("thread/start", {
      cwd: fx.workspace,
      ephemeral: true,
      config: { "features.multi_agent": false, "features.multi_agent_v2": false },
    });
    const warnings = await warningsAfterOneTurn(fx, peer, thread.id);
    expect(warnings).toEqual([]);
    expect(fx.checker.check()).toEqual([]);
  });
});
