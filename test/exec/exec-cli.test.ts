import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ThreadEventSchema } from "../../src/protocol/exec-events.js";
import {
  customToolCall,
  functionCall,
  httpError,
  reasoning,
  textTurn,
  turn,
} from "../support/model-server.js";
import { pngBytes } from "../support/images.js";
import { tempDir, tempDirOutsideProjects } from "../support/tmp.js";
import { fillUp, useTmpfs } from "../support/tmpfs.js";
import { inputItems, jsonLines, keel, setup, userTexts } from "./support.js";

const tmpfs = useTmpfs("1m");

describe("keel exec", () => {
  it("text only: the final message on stdout, the transcript on stderr", async () => {
    const s = await setup();
    s.server.enqueue(textTurn("Hello from the model."));
    const r = await keel(["exec", "say hello"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Hello from the model.\n");
    expect(r.stderr).toMatch(/^keel exec v\d/);
    expect(r.stderr).toContain(`workdir: ${s.repo}`);
    expect(r.stderr).toContain("approval: never");
    expect(r.stderr).toMatch(/session id: [0-9a-f-]{36}/);
    expect(r.stderr).toContain("user\nsay hello\n");
    expect(userTexts(s.server.modelRequests()[0]!.body)).toContain("say hello");
  });

  it("the prompt comes from stdin when there is no argument, or with `-`", async () => {
    const s = await setup();
    s.server.enqueue(textTurn("one"), textTurn("two"));
    expect((await keel(["exec"], { cwd: s.repo, env: s.env, stdin: "piped prompt\n" })).stdout).toBe("one\n");
    expect((await keel(["exec", "-"], { cwd: s.repo, env: s.env, stdin: "dash prompt" })).stdout).toBe(
      "two\n",
    );
    const [first, second] = s.server.modelRequests();
    expect(userTexts(first!.body)).toContain("piped prompt\n");
    expect(userTexts(second!.body)).toContain("dash prompt");
  });

  it("runs a command in the sandbox and feeds its output back to the model", async () => {
    const s = await setup();
    s.server.enqueue(
      turn([functionCall("exec_command", { cmd: "echo from-the-tool" }, "call_1")]),
      textTurn("Done."),
    );
    const r = await keel(["exec", "--sandbox", "workspace-write", "run it"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Done.\n");
    expect(r.stderr).toContain("exec\n/bin/bash -lc 'echo from-the-tool'");
    expect(r.stderr).toMatch(/succeeded in \d+ms:\n(.*\n)*from-the-tool/);
    const [output] = inputItems(s.server.modelRequests()[1]!.body, "function_call_output");
    expect(output.call_id).toBe("call_1");
    expect(output.output).toContain("Process exited with code 0");
    expect(output.output).toContain("from-the-tool");
  });

  it("a sandbox denial goes back to the model under the default `never` policy", async () => {
    const s = await setup();
    s.server.enqueue(
      turn([functionCall("exec_command", { cmd: "echo x > written.txt" }, "call_1")]),
      textTurn("Could not."),
    );
    const r = await keel(["exec", "write a file"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(s.repo, "written.txt"))).toBe(false);
    const [output] = inputItems(s.server.modelRequests()[1]!.body, "function_call_output");
    expect(output.output).toContain("The sandbox denied this command; approval policy `never`");
    expect(output.output).toContain("Read-only file system");
  });

  it("--json prints the thread event stream", async () => {
    const s = await setup();
    s.server.enqueue(
      turn([
        reasoning(["Checking the files."]),
        functionCall("exec_command", { cmd: "echo listed" }, "call_1"),
      ]),
      turn([
        functionCall(
          "update_plan",
          {
            plan: [
              { step: "look", status: "completed" },
              { step: "answer", status: "in_progress" },
            ],
          },
          "call_2",
        ),
      ]),
      textTurn("Here you go."),
    );
    const r = await keel(["exec", "--json", "--skip-git-repo-check", "list"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    const events = jsonLines(r.stdout);
    for (const event of events) expect(ThreadEventSchema.safeParse(event).success).toBe(true);
    const threadId = events[0].thread_id;
    const todo = {
      id: "item_2",
      type: "todo_list",
      items: [
        { text: "look", completed: true },
        { text: "answer", completed: false },
      ],
    };
    expect(events).toEqual([
      { type: "thread.started", thread_id: threadId },
      { type: "turn.started" },
      { type: "item.completed", item: { id: "item_0", type: "reasoning", text: "Checking the files." } },
      {
        type: "item.started",
        item: {
          id: "item_1",
          type: "command_execution",
          command: "/bin/bash -lc 'echo listed'",
          aggregated_output: "",
          exit_code: null,
          status: "in_progress",
        },
      },
      {
        type: "item.completed",
        item: {
          id: "item_1",
          type: "command_execution",
          command: "/bin/bash -lc 'echo listed'",
          aggregated_output: expect.stringContaining("listed\n"),
          exit_code: 0,
          status: "completed",
        },
      },
      {
        type: "item.started",
        item: todo,
      },
      { type: "item.completed", item: { id: "item_3", type: "agent_message", text: "Here you go." } },
      {
        type: "item.completed",
        item: todo,
      },
      {
        type: "turn.completed",
        usage: {
          input_tokens: expect.any(Number),
          cached_input_tokens: expect.any(Number),
          output_tokens: expect.any(Number),
        },
      },
    ]);
    expect(events.at(-1).usage.input_tokens).toBeGreaterThan(0);
  });

  it("a patch shows up as a file_change item", async () => {
    const s = await setup();
    const patch = "*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch";
    // gpt-5.5 is offered apply_patch (the default mock model is not, and its calls are refused).
    s.server.enqueue(turn([customToolCall("apply_patch", patch, "call_1")]), textTurn("Patched."));
    const r = await keel(["exec", "--json", "--full-auto", "-m", "gpt-5.5", "patch it"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(r.code).toBe(0);
    const change = jsonLines(r.stdout).find((e) => e.item?.type === "file_change");
    expect(change).toEqual({
      type: "item.completed",
      item: {
        id: "item_0",
        type: "file_change",
        changes: [{ path: path.join(s.repo, "hello.txt"), kind: "add" }],
        status: "completed",
      },
    });
    expect(fs.readFileSync(path.join(s.repo, "hello.txt"), "utf8")).toBe("hi\n");
  });

  it("-o writes the final message to a file", async () => {
    const s = await setup();
    s.server.enqueue(textTurn("Saved answer."));
    const out = path.join(tempDir(), "last.txt");
    const r = await keel(["exec", "-o", out, "--json", "answer"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toBe("Saved answer.");
  });

  it("--output-schema constrains the model's answer for that turn only", async () => {
    const s = await setup();
    const schema = {
      type: "object",
      properties: { answer: { type: "string" } },
      required: ["answer"],
      additionalProperties: false,
    };
    const schemaFile = path.join(tempDir(), "schema.json");
    fs.writeFileSync(schemaFile, JSON.stringify(schema));
    s.server.enqueue(textTurn('{"answer":"42"}'));
    const r = await keel(["exec", "--output-schema", schemaFile, "answer"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('{"answer":"42"}');
    const body = s.server.modelRequests()[0]!.body;
    expect(body.text.format).toEqual({
      type: "json_schema",
      name: "keel_output_schema",
      strict: true,
      schema,
    });
  });

  it("a missing API key fails the turn with the variable's name", async () => {
    const s = await setup({ providerExtra: 'env_key = "KEEL_TEST_MISSING_KEY"\n' });
    const r = await keel(["exec", "hi"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      'ERROR: Missing environment variable: `KEEL_TEST_MISSING_KEY` (API key for model provider "mock_provider").',
    );
    expect(s.server.modelRequests()).toHaveLength(0);

    const json = await keel(["exec", "--json", "hi"], { cwd: s.repo, env: s.env });
    expect(json.code).toBe(1);
    const events = jsonLines(json.stdout);
    expect(events.at(-1)).toEqual({
      type: "turn.failed",
      error: { message: expect.stringContaining("KEEL_TEST_MISSING_KEY") },
    });
    expect(events.some((e) => e.type === "error")).toBe(true);
  });

  it("a failing model request fails the turn with exit code 1", async () => {
    const s = await setup();
    s.server.enqueue(httpError(400, "bad request from the test"));
    const r = await keel(["exec", "--json", "hi"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout).at(-1)).toEqual({
      type: "turn.failed",
      error: { message: expect.stringContaining("bad request from the test") },
    });
  });

  it("refuses to run outside a git repository unless told to", async () => {
    const s = await setup();
    const plain = tempDirOutsideProjects("keel-plain-");
    const refused = await keel(["exec", "hi"], { cwd: plain, env: s.env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "keel: Not inside a trusted directory and --skip-git-repo-check was not specified.\n",
    );
    s.server.enqueue(textTurn("ok"));
    const allowed = await keel(["exec", "--skip-git-repo-check", "hi"], { cwd: plain, env: s.env });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toBe("ok\n");
  });

  it("no prompt at all is a clear error", async () => {
    const s = await setup();
    const r = await keel(["exec", "-"], { cwd: s.repo, env: s.env, stdin: "" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("No prompt provided.");
  });

  it("resume continues the same thread, by id and with --last", async () => {
    const s = await setup();
    s.server.enqueue(textTurn("First."), textTurn("Second."), textTurn("Third."));
    const first = await keel(["exec", "--json", "remember the word kumquat"], { cwd: s.repo, env: s.env });
    const threadId = jsonLines(first.stdout)[0].thread_id;
    const second = await keel(["exec", "resume", threadId, "what was the word?"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe("Second.\n");
    expect(second.stderr).toContain(`session id: ${threadId}`);
    const third = await keel(["exec", "--json", "resume", "--last", "and again?"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(jsonLines(third.stdout)[0]).toEqual({ type: "thread.started", thread_id: threadId });
    const history = userTexts(s.server.modelRequests()[2]!.body);
    expect(history).toEqual(
      expect.arrayContaining(["remember the word kumquat", "what was the word?", "and again?"]),
    );
  });

  it("resume reports a torn last rollout line on stderr, skips it and continues on a fresh line", async () => {
    const s = await setup();
    s.server.enqueue(textTurn("First."), textTurn("Second."));
    const first = await keel(["exec", "--json", "remember the word kumquat"], { cwd: s.repo, env: s.env });
    const threadId = jsonLines(first.stdout)[0].thread_id as string;
    const dir = path.join(s.home, "sessions");
    const file = fs
      .readdirSync(dir, { recursive: true, encoding: "utf8" })
      .map((f) => path.join(dir, f))
      .find((f) => f.endsWith(`${threadId}.jsonl`))!;
    // What kill -9 in the middle of a write leaves behind: a line without its end.
    fs.appendFileSync(
      file,
      '{"timestamp":"2026-12-03T07:00:00.000Z","type":"event_msg","payload":{"type":"agent_me',
    );
    const lineCount = fs.readFileSync(file, "utf8").split("\n").length;

    const second = await keel(["exec", "resume", threadId, "what was the word?"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe("Second.\n");
    expect(second.stderr).toContain(
      `warning: The last line of ${file} (line ${lineCount}) was incomplete — keel stopped in the middle of writing it — and was skipped`,
    );
    expect(userTexts(s.server.modelRequests()[1]!.body)).toContain("remember the word kumquat");
  });

  it("a turn that cannot be saved on a full disk fails: exit 1 and the cause on stderr", async (ctx) => {
    const mountPoint = tmpfs.mountPoint;
    if (!mountPoint) {
      ctx.skip(`cannot mount a tmpfs here: ${tmpfs.refused}`);
      return;
    }
    const s = await setup();
    const home = fs.mkdtempSync(path.join(mountPoint, "home-"));
    fs.copyFileSync(path.join(s.home, "config.toml"), path.join(home, "config.toml"));
    const filler = fillUp(mountPoint);
    try {
      s.server.enqueue(textTurn("Done."));
      const r = await keel(["exec", "say hello"], {
        cwd: s.repo,
        env: { ...s.env, HOME: home, KEEL_HOME: home },
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(
        /ERROR: This turn could not be saved: could not write .*rollout-.*\.jsonl: ENOSPC: no space left on device/,
      );
    } finally {
      fs.rmSync(filler);
    }
  });

  it("fork runs one turn in a new thread that starts from a copy of the history", async () => {
    const s = await setup();
    s.server.enqueue(textTurn("First."), textTurn("Forked."));
    const first = await keel(["exec", "--json", "remember the word kumquat"], { cwd: s.repo, env: s.env });
    const sourceId = jsonLines(first.stdout)[0].thread_id;
    const forked = await keel(["exec", "--json", "fork", sourceId, "what was the word?"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(forked.code).toBe(0);
    const forkId = jsonLines(forked.stdout)[0].thread_id;
    expect(forkId).not.toBe(sourceId);
    expect(userTexts(s.server.modelRequests()[1]!.body)).toEqual(
      expect.arrayContaining(["remember the word kumquat", "what was the word?"]),
    );
    const rollouts = fs.readdirSync(path.join(s.env.KEEL_HOME!, "sessions"), { recursive: true }).map(String);
    const forkFile = rollouts.find((f) => f.endsWith(`${forkId}.jsonl`))!;
    const sourceFile = rollouts.find((f) => f.endsWith(`${sourceId}.jsonl`))!;
    const read = (f: string) => fs.readFileSync(path.join(s.env.KEEL_HOME!, "sessions", f), "utf8");
    expect(JSON.parse(read(forkFile).split("\n")[0]!).payload.forked_from_id).toBe(sourceId);
    expect(read(sourceFile)).not.toContain("what was the word?");

    const unknown = await keel(["exec", "fork", "01930000-0000-7000-8000-000000000000", "hi"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^keel: .*01930000-0000-7000-8000-000000000000/);
  });

  it("resume of an unknown thread is an error", async () => {
    const s = await setup();
    const r = await keel(["exec", "resume", "01930000-0000-7000-8000-000000000000", "hi"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^keel: .*01930000-0000-7000-8000-000000000000/);
  });

  it("--image sends the picture as a data URL", async () => {
    const s = await setup();
    const png = path.join(s.repo, "pixel.png");
    const bytes = pngBytes(1, 1);
    fs.writeFileSync(png, bytes);
    s.server.enqueue(textTurn("Nice picture."));
    const r = await keel(["exec", "-i", png, "describe"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    const [message] = inputItems(s.server.modelRequests()[0]!.body, "message")
      .filter((m) => m.role === "user")
      .slice(-1);
    expect(message.content).toContainEqual({
      type: "input_image",
      image_url: `data:image/png;base64,${bytes.toString("base64")}`,
      detail: "high",
    });
  });
});
