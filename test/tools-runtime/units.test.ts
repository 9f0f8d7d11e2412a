import { describe, expect, it } from "vitest";
import {
  buildCommandEnv,
  escalatedPermissions,
  RETRY_WITHOUT_SANDBOX_REASON,
  sessionApprovalKey,
} from "../../src/tools/runtime/index.js";
import { configFor, context, functionCall, router, workspace } from "./support.js";

describe("buildCommandEnv", () => {
  const base = {
    PATH: "/bin",
    HOME: "/h",
    GITHUB_TOKEN: "t",
    AWS_SECRET_ACCESS_KEY: "s",
    SSH_AUTH_SOCK: "/s",
    LANG: "C",
  };
  it("drops secrets and host sockets by default", () => {
    expect(buildCommandEnv(base, null)).toEqual({ PATH: "/bin", HOME: "/h", LANG: "C" });
    const more = { DB_PASSWORD: "p", PGPASSWD: "p", GOOGLE_APPLICATION_CREDENTIALS: "/c", Db_Password: "p" };
    expect(buildCommandEnv({ ...base, ...more }, null)).toEqual({ PATH: "/bin", HOME: "/h", LANG: "C" });
  });
  it("follows inherit / ignore_default_excludes / exclude / set / include_only", () => {
    expect(buildCommandEnv(base, { inherit: "core" })).toEqual({ PATH: "/bin", HOME: "/h", LANG: "C" });
    expect(buildCommandEnv(base, { ignore_default_excludes: true, exclude: ["LA*"] })).toEqual({
      PATH: "/bin",
      HOME: "/h",
      GITHUB_TOKEN: "t",
      AWS_SECRET_ACCESS_KEY: "s",
    });
    expect(buildCommandEnv(base, { inherit: "none", set: { A: "1" } })).toEqual({ A: "1" });
    expect(buildCommandEnv(base, { include_only: ["PATH", "h*"] })).toEqual({ PATH: "/bin", HOME: "/h" });
  });
});

describe("escalatedPermissions", () => {
  it("is fully unsandboxed without deny entries, and keeps deny entries when there are some", () => {
    const ws = workspace();
    const plain = configFor(ws, "on-request", "workspace-write");
    expect(escalatedPermissions(plain.fileSystemSandboxPolicy)).toEqual({
      fs: { kind: "unrestricted", glob_scan_max_depth: null, entries: [] },
      net: "enabled",
    });
    const deny = { path: { type: "glob_pattern" as const, pattern: "**/*.pem" }, access: "none" as const };
    const withDeny = configFor(ws, "on-request", "workspace-write", [deny]);
    expect(escalatedPermissions(withDeny.fileSystemSandboxPolicy).fs.entries).toEqual([
      { path: { type: "special", value: { kind: "root" } }, access: "write" },
      deny,
    ]);
  });
});

describe("approval requests", () => {
  it("carry the command, cwd, parsed actions and a fresh approval id for the retry", async () => {
    const ws = workspace();
    const t = context(configFor(ws, "on-request", "workspace-write"), ["approved_for_session"]);
    await router(ws).dispatch(
      functionCall("shell", { command: ["bash", "-lc", "cat README > .git/x"] }),
      t.ctx,
    );
    expect(t.asked).toEqual([
      {
        kind: "exec",
        callId: expect.stringMatching(/^call_/),
        approvalId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        command: ["bash", "-lc", "cat README > .git/x"],
        cwd: ws.root,
        reason: RETRY_WITHOUT_SANDBOX_REASON,
        commandActions: expect.any(Array),
        proposedExecpolicyAmendment: ["bash", "-lc", "cat README > .git/x"],
        availableDecisions: [
          "approved",
          {
            approved_execpolicy_amendment: {
              proposed_execpolicy_amendment: ["bash", "-lc", "cat README > .git/x"],
            },
          },
          "approved_for_session",
          "denied",
          "abort",
        ],
      },
    ]);
    expect([...t.cache]).toEqual([
      sessionApprovalKey({
        kind: "command",
        argv: ["bash", "-lc", "cat README > .git/x"],
        cwd: ws.root,
        unsandboxed: true,
      }),
    ]);
  });
});
