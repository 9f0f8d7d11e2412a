import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pathEntry } from "../../src/permissions/index.js";
import { PATCH_REJECTED_BY_USER } from "../../src/tools/runtime/index.js";
import { tempDir } from "../support/tmp.js";
import { configFor, context, customCall, functionCall, outputText, router, workspace } from "./support.js";

const patch = (body: string) => `*** Begin Patch\n${body}\n*** End Patch`;
const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), "utf8");

describe("apply_patch through the orchestrator", () => {
  it("a normal patch writes, emits begin/end and the turn diff", async () => {
    const ws = workspace({ "src/app.txt": "one\ntwo\n" });
    const t = context(configFor(ws, "on-request", "workspace-write"));
    const input = patch(
      "*** Add File: notes.md\n+# Notes\n*** Update File: src/app.txt\n@@\n one\n-two\n+three",
    );
    const out = outputText(await router(ws).dispatch(functionCall("apply_patch", { input }), t.ctx));
    // The function form: a command's JSON result, as Codex's structured exec output.
    expect(JSON.parse(out)).toEqual({
      output: "Success. Updated the following files:\nA notes.md\nM src/app.txt\n",
      metadata: { exit_code: 0, duration_seconds: expect.any(Number) },
    });
    expect(read(ws.root, "notes.md")).toBe("# Notes\n");
    expect(read(ws.root, "src/app.txt")).toBe("one\nthree\n");
    expect(t.events.map((e) => e.type)).toEqual(["patch_apply_begin", "patch_apply_end", "turn_diff"]);
    const [begin] = t.of("patch_apply_begin");
    expect(begin).toMatchObject({ auto_approved: true, turn_id: "turn-1" });
    expect(begin?.changes[path.join(ws.root, "notes.md")]).toEqual({ type: "add", content: "# Notes\n" });
    expect(begin?.changes[path.join(ws.root, "src/app.txt")]).toMatchObject({
      type: "update",
      move_path: null,
    });
    expect(t.of("patch_apply_end")[0]).toMatchObject({ success: true, status: "completed" });
    const diff = t.of("turn_diff")[0]?.unified_diff ?? "";
    expect(diff).toContain("diff --git a/notes.md b/notes.md");
    expect(diff).toContain("-two\n+three");
    expect(t.asked).toHaveLength(0);
  });

  it("the freeform form and an exec_command heredoc take the same path", async () => {
    const ws = workspace();
    const r = router(ws);
    const t = context(configFor(ws, "never", "workspace-write"));
    const freeform = outputText(
      await r.dispatch(customCall("apply_patch", patch("*** Add File: a.txt\n+a")), t.ctx),
    );
    // Codex 0.169 answers the freeform tool with a command's plain-text result (c169-gpt55-patch).
    expect(freeform).toMatch(
      /^Exit code: 0\nWall time: \d+\.\d seconds\nOutput:\nSuccess\. Updated the following files:\nA a\.txt\n$/,
    );
    const cmd = `apply_patch <<'EOF'\n${patch("*** Add File: b.txt\n+b")}\nEOF\n`;
    const out = outputText(await r.dispatch(functionCall("exec_command", { cmd }), t.ctx));
    expect(out).toContain("Process exited with code 0");
    expect(out).toContain("A b.txt");
    expect(read(ws.root, "a.txt")).toBe("a\n");
    expect(read(ws.root, "b.txt")).toBe("b\n");
    expect(t.of("exec_command_begin")).toHaveLength(0);
    expect(t.of("patch_apply_end")).toHaveLength(2);
  });

  // Protected folders: `.git` at the root (existing or not), `.keel`/`.codex`/`.agents` at any depth.
  const protectedTargets = [
    { name: ".git/hooks/post-commit", guard: ".git", existingGit: true },
    { name: ".git/hooks/pre-commit", guard: ".git", existingGit: false },
    { name: "sub/.keel/config.toml", guard: "sub/.keel", existingGit: true },
    { name: "a/b/.codex/config.toml", guard: "a/b/.codex", existingGit: true },
    { name: ".agents/skills/x/SKILL.md", guard: ".agents", existingGit: false },
  ];
  for (const target of protectedTargets) {
    it(`never: a patch adding ${target.name} is refused before any write${target.existingGit ? "" : " (no .git yet)"}`, async () => {
      const ws = workspace({ "ok.txt": "ok\n" });
      if (!target.existingGit) fs.rmSync(path.join(ws.root, ".git"), { recursive: true, force: true });
      const t = context(configFor(ws, "never", "workspace-write"), ["approved"]);
      const input = patch(`*** Update File: ok.txt\n@@\n-ok\n+changed\n*** Add File: ${target.name}\n+x`);
      const out = outputText(await router(ws).dispatch(functionCall("apply_patch", { input }), t.ctx));
      expect(out).toBe(
        `patch rejected: ${path.join(ws.root, target.name)} is inside the protected path ${path.join(ws.root, target.guard)}; ` +
          "writing there needs approval, but approval required by policy, but AskForApproval is set to Never",
      );
      expect(read(ws.root, "ok.txt")).toBe("ok\n");
      expect(fs.existsSync(path.join(ws.root, target.guard))).toBe(
        target.existingGit && target.guard === ".git",
      );
      expect(t.events).toEqual([]);
      expect(t.asked).toEqual([]);
    });
  }

  for (const [what, body] of [
    ["deleting sub/.keel/config.toml", "*** Delete File: sub/.keel/config.toml"],
    ["moving a file into x/.codex", "*** Update File: ok.txt\n*** Move to: x/.codex/ok.txt\n@@\n-ok\n+ok"],
    [
      "moving a file out of sub/.keel",
      "*** Update File: sub/.keel/config.toml\n*** Move to: out.toml\n@@\n-a\n+a",
    ],
  ] as const) {
    it(`never: ${what} is refused before any write`, async () => {
      const ws = workspace({ "ok.txt": "ok\n", "sub/.keel/config.toml": "a\n" });
      const t = context(configFor(ws, "never", "workspace-write"));
      const out = outputText(
        await router(ws).dispatch(functionCall("apply_patch", { input: patch(body) }), t.ctx),
      );
      expect(out).toMatch(/^patch rejected: .* is inside the protected path .*\/(sub\/\.keel|x\/\.codex);/);
      expect(read(ws.root, "ok.txt")).toBe("ok\n");
      expect(read(ws.root, "sub/.keel/config.toml")).toBe("a\n");
      expect(fs.existsSync(path.join(ws.root, "x"))).toBe(false);
      expect(fs.existsSync(path.join(ws.root, "out.toml"))).toBe(false);
    });
  }

  it("on-request: a patch into a nested .keel asks like a write outside the roots; declined writes nothing", async () => {
    const ws = workspace({ "ok.txt": "ok\n" });
    const t = context(configFor(ws, "on-request", "workspace-write"), ["denied"]);
    const input = patch('*** Add File: sub/.keel/config.toml\n+sandbox_mode = "danger-full-access"');
    const out = outputText(await router(ws).dispatch(functionCall("apply_patch", { input }), t.ctx));
    expect(out).toBe(PATCH_REJECTED_BY_USER);
    expect(t.asked).toHaveLength(1);
    expect(fs.existsSync(path.join(ws.root, "sub/.keel"))).toBe(false);
  });

  it("a patch touching a deny-read path is refused and the file is unchanged", async () => {
    const ws = workspace({ "secret.env": "TOKEN=1\n", "ok.txt": "ok\n" });
    const config = configFor(ws, "on-request", "workspace-write", [
      pathEntry(path.join(ws.root, "secret.env"), "none"),
    ]);
    const t = context(config, ["approved"]);
    const input = patch(
      "*** Update File: ok.txt\n@@\n-ok\n+changed\n*** Update File: secret.env\n@@\n-TOKEN=1\n+TOKEN=2",
    );
    const out = outputText(await router(ws).dispatch(functionCall("apply_patch", { input }), t.ctx));
    expect(out).toBe(
      `patch rejected: ${path.join(ws.root, "secret.env")} is denied by the permission profile`,
    );
    expect(read(ws.root, "secret.env")).toBe("TOKEN=1\n");
    expect(read(ws.root, "ok.txt")).toBe("ok\n");
    expect(t.events).toEqual([]);
  });

  it("a symlink into a denied directory does not route around the deny", async () => {
    const ws = workspace();
    const vault = tempDir("keel-vault-");
    fs.writeFileSync(path.join(vault, "key"), "k\n");
    fs.symlinkSync(vault, path.join(ws.root, "link"));
    const t = context(configFor(ws, "on-request", "workspace-write", [pathEntry(vault, "none")]), [
      "approved",
    ]);
    const out = outputText(
      await router(ws).dispatch(
        functionCall("apply_patch", { input: patch("*** Add File: link/new\n+x") }),
        t.ctx,
      ),
    );
    expect(out).toMatch(/^patch rejected: /);
    expect(fs.existsSync(path.join(vault, "new"))).toBe(false);
  });

  describe("writes outside the writable set (read-only sandbox)", () => {
    const input = patch("*** Add File: out.txt\n+out");

    it("never: refused without asking", async () => {
      const ws = workspace();
      const t = context(configFor(ws, "never", "read-only"));
      const out = outputText(await router(ws).dispatch(functionCall("apply_patch", { input }), t.ctx));
      expect(out).toMatch(
        /^patch rejected: .*\/out\.txt is outside the writable roots of the sandbox; writing there needs approval, but approval required by policy, but AskForApproval is set to Never$/,
      );
      expect(fs.existsSync(path.join(ws.root, "out.txt"))).toBe(false);
    });

    it("on-request: asked; declined leaves nothing, approved writes", async () => {
      const ws = workspace();
      const r = router(ws);
      const declined = context(configFor(ws, "on-request", "read-only"), ["denied"]);
      expect(outputText(await r.dispatch(functionCall("apply_patch", { input }), declined.ctx))).toBe(
        PATCH_REJECTED_BY_USER,
      );
      expect(declined.asked[0]).toMatchObject({
        kind: "patch",
        changes: { [path.join(ws.root, "out.txt")]: { type: "add" } },
      });
      expect(fs.existsSync(path.join(ws.root, "out.txt"))).toBe(false);

      const approved = context(configFor(ws, "on-request", "read-only"), ["approved"]);
      await r.dispatch(functionCall("apply_patch", { input }), approved.ctx);
      expect(read(ws.root, "out.txt")).toBe("out\n");
      expect(approved.of("patch_apply_begin")[0]?.auto_approved).toBe(false);
    });

    it("approved for the session: the same path is not asked again, until a configured deny says no", async () => {
      const ws = workspace();
      const r = router(ws);
      const cache = new Set<string>();
      const first = context(configFor(ws, "on-request", "read-only"), ["approved_for_session"], { cache });
      await r.dispatch(functionCall("apply_patch", { input }), first.ctx);
      const update = patch("*** Update File: out.txt\n@@\n-out\n+again");
      const second = context(configFor(ws, "on-request", "read-only"), [], { cache });
      await r.dispatch(functionCall("apply_patch", { input: update }), second.ctx);
      expect(second.asked).toHaveLength(0);
      expect(read(ws.root, "out.txt")).toBe("again\n");
      expect(r.sessionApprovals("thread-1")).toEqual([
        { kind: "patch_path", path: path.join(ws.root, "out.txt") },
      ]);

      const denied = configFor(ws, "on-request", "read-only", [
        pathEntry(path.join(ws.root, "out.txt"), "none"),
      ]);
      const third = context(denied, [], { cache });
      const out = outputText(
        await r.dispatch(
          functionCall("apply_patch", { input: patch("*** Delete File: out.txt") }),
          third.ctx,
        ),
      );
      expect(out).toMatch(/is denied by the permission profile$/);
      expect(read(ws.root, "out.txt")).toBe("again\n");
    });
  });

  it("untrusted asks even inside the workspace", async () => {
    const ws = workspace();
    const t = context(configFor(ws, "untrusted", "workspace-write"), ["approved"]);
    await router(ws).dispatch(
      functionCall("apply_patch", { input: patch("*** Add File: in.txt\n+in") }),
      t.ctx,
    );
    expect(t.asked).toHaveLength(1);
    expect(read(ws.root, "in.txt")).toBe("in\n");
  });

  it("a patch that does not apply reports the failure and writes nothing", async () => {
    const ws = workspace({ "a.txt": "a\n" });
    const t = context(configFor(ws, "never", "workspace-write"));
    const out = outputText(
      await router(ws).dispatch(
        functionCall("apply_patch", { input: patch("*** Update File: a.txt\n@@\n-zzz\n+y") }),
        t.ctx,
      ),
    );
    expect(out).toMatch(/^apply_patch verification failed: Failed to find expected lines/);
    expect(read(ws.root, "a.txt")).toBe("a\n");
    expect(t.events).toEqual([]);
  });
});
