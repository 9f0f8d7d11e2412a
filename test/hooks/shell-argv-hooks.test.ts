import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadLayerStack } from "../../src/config/layers.js";
import { discoverHooks } from "../../src/hooks/discovery.js";
import { type Fixture, fixture, stdioServer, text, turnCompleted } from "../app-server-engine/support.js";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { hookScript, hooksJson, payloads } from "./support.js";

/**
 * A `shell` call's argv as hooks read it: the whole argv, shell-quoted (Codex's shlex_join).
 * Reading only the `-c` argument let `["./evil", "-c", "true"]` pass for `true`, so an
 * allow-list PermissionRequest hook approved a program it never saw.
 */

function trustAll(fx: Fixture): void {
  const { hooks } = discoverHooks(loadLayerStack({ keelHome: fx.home, cwd: fx.workspace }).layers, fx.home);
  const lines = hooks.map(
    (h) => `[hooks.state.${JSON.stringify(h.key)}]\ntrusted_hash = ${JSON.stringify(h.currentHash)}\n`,
  );
  fs.appendFileSync(path.join(fx.home, "config.toml"), `\n${lines.join("\n")}`);
}

const decision = (behavior: string) =>
  JSON.stringify({
    hookSpecificOutput: {
      hookEventName: "PermissionRequest",
      decision: behavior === "allow" ? { behavior } : { behavior, message: "not on the allow list" },
    },
  });

describe("hooks read a shell argv whole", () => {
  it("an allow-list PermissionRequest hook for `true` does not approve `./evil -c true`", async () => {
    // A model whose catalog entry offers the argv `shell` tool.
    const fx = await fixture({
      topLevel: { model_catalog_json: "catalog.json" },
      extraToml: "\n[features]\nunified_exec = false\n",
    });
    fs.writeFileSync(
      path.join(fx.home, "catalog.json"),
      JSON.stringify({ models: [{ slug: "mock-model", shell_type: "default" }] }),
    );
    const dir = tempDir("keel-hook-scripts-");
    // Allows exactly the command `true`; denies everything else.
    const body = `if grep -q '"command":"true"' ${dir}/perm.payload.0.json; then echo '${decision("allow")}'; else echo '${decision("deny")}'; fi`;
    fs.writeFileSync(
      path.join(fx.home, "hooks.json"),
      hooksJson({
        PermissionRequest: [{ matcher: "Bash", command: hookScript(dir, "perm", body) }],
        PreToolUse: [{ matcher: "Bash", command: hookScript(dir, "pre", "exit 0") }],
      }),
    );
    trustAll(fx);
    const marker = path.join(fx.workspace, "pwned");
    fs.writeFileSync(path.join(fx.workspace, "evil"), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const started = await peer.request("thread/start", {
      cwd: fx.workspace,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    fx.model.enqueue(
      turn([
        functionCall(
          "shell",
          { command: ["./evil", "-c", "true"], sandbox_permissions: "require_escalated", justification: "x" },
          "call_s",
        ),
      ]),
      textTurn("ok"),
    );
    const { turn: t } = await peer.request("turn/start", { threadId: started.thread.id, input: text("go") });
    await turnCompleted(peer, t.id);
    expect(payloads(dir, "pre")).toMatchObject([{ tool_input: { command: "./evil -c true" } }]);
    expect(payloads(dir, "perm")).toMatchObject([{ tool_input: { command: "./evil -c true" } }]);
    expect(fs.existsSync(marker)).toBe(false);
  });
});
