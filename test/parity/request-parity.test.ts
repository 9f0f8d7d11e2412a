import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  customToolCall,
  functionCall,
  mockProviderToml,
  type RecordedRequest,
  type ScriptEntry,
  startModelServer,
  textTurn,
  turn,
} from "../support/model-server.js";
import { KEEL_BIN, REPO_ROOT } from "../exec/support.js";

/**
 * Issue 12's request parity: for a model Codex knows (`gpt-5.5`) and one it does not
 * (`my-custom-model`), a text, a shell and a patch turn make the real Codex 0.169 (devDependency)
 * and keel send requests of the same shape — keys and their order, `reasoning`, `include`, `text`,
 * the tools (names and types, in order), the input items' types and roles, the layout of tool
 * outputs, `parallel_tool_calls`, `tool_choice`, `store`, `stream`.
 * Ids, timestamps and instruction text differ by design and are not compared.
 *
 * Codex runs with `[features] goals = false, multi_agent = false`: keel has no goals and no
 * sub-agents, so their tools (get_goal…, tool_search, multi_agent_v1) are not part of the contract.
 */

const codexBin = path.join(REPO_ROOT, "node_modules/.bin/codex");
const haveCodex = fs.existsSync(codexBin);
// Codex's sandbox helper fails when its home or the workspace is under /tmp (a clone there
// included): everything lives in the user's cache, as the TUI tests do.
const scratch = path.join(os.homedir(), ".cache", "keel-parity", `run-${process.pid}`);
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const PATCH = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n";
const SCENARIOS: Record<string, () => ScriptEntry[]> = {
  text: () => [textTurn("hello there")],
  shell: () => [turn([functionCall("exec_command", { cmd: "echo hi" }, "call_1")]), textTurn("done")],
  patch: () => [turn([customToolCall("apply_patch", PATCH, "call_2")]), textTurn("done")],
};
const MODELS = ["gpt-5.5", "my-custom-model"];

type Agent = "codex" | "keel";

async function requestsOf(agent: Agent, model: string, scenario: string): Promise<RecordedRequest[]> {
  const server = await startModelServer({ fallback: textTurn("fallback") });
  try {
    server.enqueue(...SCENARIOS[scenario]!());
    const dir = path.join(scratch, `${agent}-${model}-${scenario}`);
    const home = path.join(dir, "home");
    const cwd = path.join(dir, "cwd");
    fs.mkdirSync(home, { recursive: true });
    fs.mkdirSync(cwd, { recursive: true });
    const features = agent === "codex" ? "\n[features]\ngoals = false\nmulti_agent = false\n" : "";
    const toml = mockProviderToml(server.url, {
      model,
      topLevel: { approval_policy: "never", sandbox_mode: "workspace-write" },
    });
    fs.writeFileSync(path.join(home, "config.toml"), toml + features);
    const env: Record<string, string> =
      agent === "codex"
        ? {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            HOME: home,
            CODEX_HOME: home,
            OPENAI_API_KEY: "sk-test",
          }
        : { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, KEEL_HOME: home };
    const bin = agent === "codex" ? codexBin : KEEL_BIN;
    const code = await run(bin, ["exec", "--skip-git-repo-check", "--json", "do the thing"], cwd, env);
    expect(code, `${agent} exec exit code (${model}, ${scenario})`).toBe(0);
    return server.modelRequests();
  } finally {
    await server.close();
  }
}

function run(bin: string, args: string[], cwd: string, env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env, stdio: ["ignore", "ignore", "ignore"] });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
function shape(body: any) {
  return {
    keys: Object.keys(body),
    reasoning: body.reasoning,
    include: body.include,
    text: body.text ?? null,
    tools: (body.tools as { type: string; name?: string; format?: { type: string } }[]).map(
      (t) => `${t.type}:${t.name ?? ""}${t.format ? `/${t.format.type}` : ""}`,
    ),
    // The conversation as the model reads it: item types and roles in order, and each tool
    // output's layout (numbers and the random chunk id blanked), e.g. apply_patch's result.
    input: (body.input as { type: string; role?: string }[]).map((i) => `${i.type}:${i.role ?? ""}`),
    outputs: (body.input as { type: string; output?: unknown }[])
      .filter((i) => i.type.endsWith("_output"))
      .map((i) =>
        String(i.output)
          .replace(/^Chunk ID: \w+$/m, "Chunk ID: …")
          .replace(/\d+(\.\d+)?/g, "#"),
      ),
    parallel_tool_calls: body.parallel_tool_calls,
    tool_choice: body.tool_choice,
    store: body.store,
    stream: body.stream,
  };
}

const HEADERS = ["session-id", "thread-id", "x-client-request-id", "originator", "user-agent"];

describe.skipIf(!haveCodex)("request parity with Codex 0.169", () => {
  const cases = MODELS.flatMap((model) => Object.keys(SCENARIOS).map((scenario) => ({ model, scenario })));
  // One Codex and one keel run per case, all at once: the runs wait on model requests, not CPU.
  const runs = new Map(
    cases.map(({ model, scenario }) => {
      const both = Promise.all([requestsOf("codex", model, scenario), requestsOf("keel", model, scenario)]);
      both.catch(() => {}); // reported by the case that awaits it
      return [`${model}/${scenario}`, both] as const;
    }),
  );

  it.each(cases)(
    "$model, $scenario turn",
    async ({ model, scenario }) => {
      const [codex, keel] = await runs.get(`${model}/${scenario}`)!;
      expect(keel.length).toBe(codex.length);
      expect(codex.length).toBeGreaterThan(0);
      codex.forEach((request, i) => {
        expect(shape(keel[i]!.body), `request ${i}`).toEqual(shape(request.body));
        for (const name of HEADERS) expect(keel[i]!.headers, `request ${i}`).toHaveProperty(name);
      });
    },
    180_000,
  );
});
