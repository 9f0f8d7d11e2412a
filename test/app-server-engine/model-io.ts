import type { RecordedRequest } from "../support/model-server.js";
import type { Fixture, Peer } from "./support.js";

/** What the model was sent, for tests that check the texts a tool call gave back. */

export type InputItem = {
  type: string;
  output?: string;
  call_id?: string;
  role?: string;
  content?: { text?: string }[];
};

export const inputOf = (request: RecordedRequest) => (request.body as { input: InputItem[] }).input;

/** The output the model received for `callId` ("" when none). */
export const outputOf = (request: RecordedRequest, callId: string): string =>
  inputOf(request).find((i) => i.type === "function_call_output" && i.call_id === callId)?.output ?? "";

/** Initializes `peer` and starts a workspace-write thread in the fixture's workspace. */
export async function startThread(peer: Peer, fx: Fixture, approvalPolicy = "on-request"): Promise<string> {
  await peer.initialize();
  const result = await peer.request("thread/start", {
    cwd: fx.workspace,
    approvalPolicy,
    sandbox: "workspace-write",
  });
  return result.thread.id as string;
}
