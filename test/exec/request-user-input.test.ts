import { describe, expect, it } from "vitest";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { inputItems, keel, setup } from "./support.js";

/**
 * `keel exec` has no one to ask. Like `codex exec` 0.169 (checked by running it), the tool is
 * still offered and a call is answered with the Default-mode refusal; the run never waits.
 */
describe("keel exec and request_user_input", () => {
  it("offers the tool and refuses a call with Codex's Default-mode text", async () => {
    const s = await setup();
    const args = {
      questions: [{ id: "c", header: "C", question: "Which?", options: [{ label: "A", description: "a" }] }],
    };
    s.server.enqueue(turn([functionCall("request_user_input", args, "call_q")]), textTurn("done"));
    const r = await keel(["exec", "--skip-git-repo-check", "ask me"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("done\n");
    const [first, second] = s.server.modelRequests();
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
    expect(first!.body.tools.map((t: any) => t.name)).toContain("request_user_input");
    const output = inputItems(second!.body, "function_call_output").find((o) => o.call_id === "call_q");
    expect(output.output).toBe("request_user_input is unavailable in Default mode");
  });

  it("with default_mode_request_user_input on, a question is cancelled instead of waiting", async () => {
    const s = await setup({ providerExtra: "\n[features]\ndefault_mode_request_user_input = true\n" });
    const args = {
      questions: [{ id: "c", header: "C", question: "Which?", options: [{ label: "A", description: "a" }] }],
    };
    s.server.enqueue(turn([functionCall("request_user_input", args, "call_q")]), textTurn("done"));
    const r = await keel(["exec", "--skip-git-repo-check", "ask me"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    const output = inputItems(s.server.modelRequests()[1]!.body, "function_call_output").find(
      (o) => o.call_id === "call_q",
    );
    expect(output.output).toBe("request_user_input was cancelled before receiving a response");
  });
});
