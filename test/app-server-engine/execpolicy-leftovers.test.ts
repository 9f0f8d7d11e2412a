import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, message, turn } from "../support/model-server.js";
import { tempDirOutsideProjects } from "../support/tmp.js";
import { inputOf, outputOf, startThread } from "./model-io.js";
import { fixture, type Peer, stdioServer, text, turnCompleted } from "./support.js";

/**
 * Exec-policy behaviour checked against captures of Codex 0.169 (/work/capture/perms): the texts
 * the model reads under `never`.
 */

const exec = (cmd: string, callId: string, extra: Record<string, unknown> = {}) =>
  functionCall("exec_command", { cmd, yield_time_ms: 2000, ...extra }, callId);

const itemEventsOf = (peer: Peer, id: string) =>
  peer.received.filter((m) => m.method?.startsWith("item/") && m.params?.item?.id === id);

describe("under never (captured from Codex 0.169)", () => {
  it("rm -f style commands and escalation requests are refused with Codex's texts, no item events", async () => {
    const fx = await fixture();
    const outside = tempDirOutsideProjects("keel-never-");
    fs.writeFileSync(path.join(fx.workspace, "keep.txt"), "x");
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx, "never");
    fx.model.enqueue(
      turn([exec("rm -f keep.txt", "call_rm")]),
      turn([
        exec(`touch ${outside}/esc`, "call_esc", {
          sandbox_permissions: "require_escalated",
          justification: "touch?",
        }),
      ]),
      turn([exec("sudo rm -rf keep.txt", "call_sudo")]),
      turn([message("ok")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("go") });
    expect((await turnCompleted(peer, started.turn.id)).params.turn.status).toBe("completed");
    const last = fx.model.modelRequests().at(-1)!;
    expect(outputOf(last, "call_rm")).toBe(
      'exec_command failed: CreateProcess { message: "Rejected(\\"`/bin/bash -lc \'rm -f keep.txt\'` rejected: rm -f style commands are not permitted. Use a safer approach\\")" }',
    );
    expect(outputOf(last, "call_esc")).toBe(
      "approval policy is Never; reject command — you cannot ask for escalated permissions if the approval policy is Never",
    );
    expect(outputOf(last, "call_sudo")).toBe(
      'exec_command failed: CreateProcess { message: "Rejected(\\"`/bin/bash -lc \'sudo rm -rf keep.txt\'` rejected: rm -f style commands are not permitted. Use a safer approach\\")" }',
    );
    for (const id of ["call_rm", "call_esc", "call_sudo"]) expect(itemEventsOf(peer, id)).toEqual([]);
    expect(fs.existsSync(path.join(fx.workspace, "keep.txt"))).toBe(true);
    expect(fs.existsSync(path.join(outside, "esc"))).toBe(false);
  });
});

describe("permissions instructions sections", () => {
  for (const policy of ["on-request", "never"] as const) {
    it(`${policy}: approved prefixes and the request_permissions note ${policy === "never" ? "are left out" : "are listed"}`, async () => {
      const fx = await fixture({ extraToml: "\n[features]\nrequest_permissions_tool = true\n" });
      fs.mkdirSync(path.join(fx.home, "rules"), { recursive: true });
      fs.writeFileSync(
        path.join(fx.home, "rules", "user.rules"),
        'prefix_rule(pattern=["npm", "test"])\nprefix_rule(pattern=["ls"])\nprefix_rule(pattern=["rm"], decision="forbidden")\n',
      );
      const { peer } = stdioServer(fx);
      const threadId = await startThread(peer, fx, policy);
      fx.model.enqueue(turn([message("ok")]));
      const started = await peer.request("turn/start", { threadId, input: text("hi") });
      await turnCompleted(peer, started.turn.id);
      const all = JSON.stringify(inputOf(fx.model.modelRequests()[0]!));
      const listed = JSON.stringify(
        '## Approved command prefixes\nCommands starting with these prefixes are already approved and run without asking:\n- ["ls"]\n- ["npm", "test"]',
      ).slice(1, -1);
      if (policy === "never") {
        expect(all).not.toContain("Approved command prefixes");
        expect(all).not.toContain("## request_permissions");
      } else {
        expect(all).toContain(listed);
        expect(all).toContain("## request_permissions");
      }
    });
  }
});
