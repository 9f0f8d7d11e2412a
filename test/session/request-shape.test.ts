import { describe, expect, it } from "vitest";
import { textTurn } from "../support/model-server.js";
import { harness, isType, text } from "./harness.js";

/** The request body a turn sends, from the model's catalog entry and the config. */
async function firstRequest(model: string, configToml = "") {
  const h = await harness({ model, configToml });
  h.server.enqueue(textTurn("ok"));
  const session = await h.manager.start(h.options());
  await session.submit(text("hi"));
  await session.waitForIdle();
  return { body: h.server.modelRequests()[0]!.body, msgs: h.msgs(session.threadId) };
}

const toolNames = (body: { tools: { type: string; name?: string }[] }) =>
  body.tools.map((t) => t.name ?? t.type);

describe("request body from the catalog and the config", () => {
  it("gpt-5.5 by default: its default effort, no summary, its verbosity, parallel calls", async () => {
    const { body, msgs } = await firstRequest("gpt-5.5");
    expect(body).toMatchObject({
      reasoning: { effort: "medium" },
      include: ["reasoning.encrypted_content"],
      text: { verbosity: "low" },
      parallel_tool_calls: true,
    });
    expect(body).not.toHaveProperty("service_tier");
    // The context window comes from the catalog when the config sets none.
    expect(msgs.find(isType("task_started"))?.model_context_window).toBe(272_000);
  });

  it("configured effort, summary, verbosity and service tier, where Codex puts them", async () => {
    const { body } = await firstRequest(
      "gpt-5.5",
      'model_reasoning_effort = "high"\nmodel_reasoning_summary = "detailed"\nmodel_verbosity = "high"\nservice_tier = "priority"\n',
    );
    expect(Object.keys(body).slice(0, 3)).toEqual(["model", "stream", "service_tier"]);
    expect(body).toMatchObject({
      service_tier: "priority",
      reasoning: { effort: "high", summary: "detailed" },
      text: { verbosity: "high" },
    });
  });

  // Captured from Codex 0.169 (service_tier = fast/flex/priority/bogus with gpt-5.5, an unknown
  // model and gpt-daybreak-blue-latest, whose catalog entry advertises no tier).
  const tiers: [string, string, string | null][] = [
    ["gpt-5.5", "fast", "priority"],
    ["gpt-5.5", "priority", "priority"],
    ["gpt-5.5", "flex", "flex"],
    ["gpt-5.5", "bogus", null],
    ["my-custom-model", "fast", null],
    ["my-custom-model", "flex", "flex"],
    ["gpt-daybreak-blue-latest", "fast", null],
  ];
  it.each(tiers)("%s with service_tier = %s sends %s, as Codex", async (model, tier, sent) => {
    const { body, msgs } = await firstRequest(model, `service_tier = "${tier}"\n`);
    expect(body.service_tier ?? null).toBe(sent);
    const warnings = msgs.filter(isType("warning")).map((m) => m.message);
    const id = tier === "fast" ? "priority" : tier;
    expect(warnings.filter((w) => w.startsWith("Configured service tier"))).toEqual(
      sent === null
        ? [
            `Configured service tier \`${id}\` is not advertised as supported for model \`${model}\` and will be omitted from requests.`,
          ]
        : [],
    );
  });

  it("takes the newer catalog models' efforts (max, ultra) from config", async () => {
    const { body } = await firstRequest("gpt-6-astra", 'model_reasoning_effort = "max"\n');
    expect(body.reasoning).toEqual({ effort: "max" });
  });

  it("an unknown model: summary auto, no verbosity even when configured, no apply_patch", async () => {
    const { body } = await firstRequest(
      "my-custom-model",
      'model_reasoning_effort = "high"\nmodel_verbosity = "high"\n',
    );
    expect(body.reasoning).toEqual({ effort: "high", summary: "auto" });
    expect(body).not.toHaveProperty("text");
    expect(toolNames(body)).toEqual(["exec_command", "request_user_input"]);
  });

  it("features.shell_tool = false leaves out the command tool", async () => {
    const { body } = await firstRequest("gpt-5.5", "[features]\nshell_tool = false\n");
    expect(toolNames(body)).toEqual(["request_user_input", "apply_patch"]);
  });
});
