import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type ModelCatalog, unknownModelInfo } from "../../src/model/catalog/model-info.js";
import type { UserInput } from "../../src/protocol/events.js";
import { SandboxedToolRouter } from "../../src/tools/runtime/index.js";
import { jpegBytes, pngBytes } from "../support/images.js";
import { functionCall, message, textTurn, turn, webSearchCall } from "../support/model-server.js";
import { type Harness, type HarnessOptions, harness, rolloutLines } from "./harness.js";

/**
 * Images and web search through a real session, the real tools router and the scripted model
 * server: what the model receives, the events, the rollout, resume.
 */

/** `vision-model` takes original-detail images and image search results; `text-model` no images. */
const catalog: ModelCatalog = {
  resolve(slug) {
    const base = unknownModelInfo(slug);
    if (slug === "vision-model")
      return { ...base, known: true, supportsImageDetailOriginal: true, webSearchToolType: "text_and_image" };
    if (slug === "text-model") return { ...base, known: true, inputModalities: ["text"] };
    return base;
  },
  list: () => [],
};

async function mediaHarness(opts: HarnessOptions = {}) {
  const h = await harness(opts);
  const start = async (model = "vision-model", extra: { persistExtendedHistory?: boolean } = {}) => {
    const o = h.options({
      router: new SandboxedToolRouter({ env: { PATH: process.env.PATH ?? "" } }),
      ...extra,
    });
    const settings = { ...o.config.collaborationMode.settings, model };
    return h.manager.start({
      ...o,
      config: {
        ...o.config,
        modelCatalog: catalog,
        collaborationMode: { ...o.config.collaborationMode, settings },
      },
    });
  };
  return { h, start };
}

async function runTurn(
  h: Harness,
  session: { submit(i: UserInput[]): Promise<{ turnId: string }>; threadId: string },
  input: UserInput[],
) {
  const { turnId } = await session.submit(input);
  await h.waitFor(session.threadId, (m) => m.type === "task_complete" && m.turn_id === turnId);
}

const dataUrl = (mime: string, bytes: Buffer) => `data:${mime};base64,${bytes.toString("base64")}`;
// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
const lastUserContent = (body: any) =>
  body.input.filter((i: { type: string; role?: string }) => i.type === "message" && i.role === "user").at(-1)
    .content;
// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
const toolsOf = (body: any) =>
  body.tools.map((t: { type: string; name?: string }) =>
    t.type === "function" || t.type === "custom" ? t.name : t,
  );

function writeFile(root: string, rel: string, bytes: Buffer | string): string {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

describe("images in user input", () => {
  it("a PNG and a JPEG from disk reach the model as input_image parts between Codex's markers", async () => {
    const { h, start } = await mediaHarness();
    const png = pngBytes(4, 3);
    const jpeg = jpegBytes(16, 8);
    writeFile(h.project, "img/a.png", png);
    const jpegPath = writeFile(h.project, "img/b.jpeg", jpeg);
    const small = pngBytes(1, 1, [0, 0, 255]);
    h.server.enqueue(textTurn("seen"));
    const session = await start("vision-model");
    await runTurn(h, session, [
      { type: "image", image_url: dataUrl("image/png", small) },
      { type: "local_image", path: "img/a.png" },
      { type: "local_image", path: jpegPath },
      { type: "text", text: "what is this?" },
    ]);
    expect(lastUserContent(h.server.modelRequests()[0]!.body)).toEqual([
      { type: "input_image", image_url: dataUrl("image/png", small), detail: "original" },
      { type: "input_text", text: '<image name=[Image #2] path="img/a.png">' },
      { type: "input_image", image_url: dataUrl("image/png", png), detail: "original" },
      { type: "input_text", text: "</image>" },
      { type: "input_text", text: `<image name=[Image #3] path="${jpegPath}">` },
      { type: "input_image", image_url: dataUrl("image/jpeg", jpeg), detail: "original" },
      { type: "input_text", text: "</image>" },
      { type: "input_text", text: "what is this?" },
    ]);
  });

  it("a model without original detail gets detail `high`", async () => {
    const { h, start } = await mediaHarness();
    const png = pngBytes(2, 2);
    writeFile(h.project, "a.png", png);
    h.server.enqueue(textTurn("seen"));
    const session = await start("some-unknown-model");
    await runTurn(h, session, [{ type: "local_image", path: "a.png" }]);
    expect(lastUserContent(h.server.modelRequests()[0]!.body)[1]).toEqual({
      type: "input_image",
      image_url: dataUrl("image/png", png),
      detail: "high",
    });
  });

  it("missing, invalid and oversized files get Codex's texts instead of an image", async () => {
    const { h, start } = await mediaHarness();
    writeFile(h.project, "bad.png", "not an image");
    // Sparse: 21 MiB on paper, nothing read or sent.
    const huge = writeFile(h.project, "huge.png", pngBytes(1, 1));
    fs.truncateSync(huge, 21 * 1024 * 1024);
    h.server.enqueue(textTurn("seen"));
    const session = await start("vision-model");
    await runTurn(h, session, [
      { type: "local_image", path: "missing.png" },
      { type: "local_image", path: "bad.png" },
      { type: "local_image", path: "huge.png" },
    ]);
    const body = h.server.modelRequests()[0]!.body;
    expect(lastUserContent(body)).toEqual([
      {
        type: "input_text",
        text: "keel could not read the local image at `missing.png`: No such file or directory (os error 2)",
      },
      { type: "input_text", text: '<image name=[Image #2] path="bad.png">' },
      { type: "input_text", text: "image content omitted because it could not be processed" },
      { type: "input_text", text: "</image>" },
      { type: "input_text", text: '<image name=[Image #3] path="huge.png">' },
      {
        type: "input_text",
        text: "image content omitted because it exceeded the supported size limit; use a smaller image",
      },
      { type: "input_text", text: "</image>" },
    ]);
    expect(JSON.stringify(body).length).toBeLessThan(1024 * 1024);
  });

  it("a model without image input gets Codex's placeholder; the history keeps the image", async () => {
    const { h, start } = await mediaHarness();
    const png = pngBytes(3, 3);
    writeFile(h.project, "a.png", png);
    h.server.enqueue(textTurn("cannot see"));
    const session = await start("text-model");
    await runTurn(h, session, [
      { type: "local_image", path: "a.png" },
      { type: "text", text: "look" },
    ]);
    const body = h.server.modelRequests()[0]!.body;
    expect(lastUserContent(body)).toEqual([
      { type: "input_text", text: '<image name=[Image #1] path="a.png">' },
      { type: "input_text", text: "image content omitted because you do not support image input" },
      { type: "input_text", text: "</image>" },
      { type: "input_text", text: "look" },
    ]);
    expect(JSON.stringify(body)).not.toContain("data:image");
    expect(toolsOf(body)).not.toContain("view_image");
    const recorded = rolloutLines(session.rolloutPath!).filter(
      (l) => l.type === "response_item" && JSON.stringify(l.payload).includes(dataUrl("image/png", png)),
    );
    expect(recorded).toHaveLength(1);
  });

  it("resume keeps the image bytes the model saw", async () => {
    const { h, start } = await mediaHarness();
    const png = pngBytes(5, 2);
    const file = writeFile(h.project, "a.png", png);
    h.server.enqueue(textTurn("first"), textTurn("second"));
    const session = await start("vision-model");
    await runTurn(h, session, [{ type: "local_image", path: "a.png" }]);
    fs.rmSync(file);
    await h.manager.unload(session.threadId);
    const o = h.options();
    const resumed = await h.manager.resume(
      { threadId: session.threadId },
      { ...o, config: { ...o.config, modelCatalog: catalog } },
    );
    await runTurn(h, resumed, [{ type: "text", text: "again" }]);
    const second = JSON.stringify(h.server.modelRequests()[1]!.body.input);
    expect(second).toContain(dataUrl("image/png", png));
  });
});

describe("view_image", () => {
  it("answers with the image as an input_image output part and an imageView event", async () => {
    const { h, start } = await mediaHarness();
    const jpeg = jpegBytes(8, 8);
    writeFile(h.project, "shots/s.jpg", jpeg);
    h.server.enqueue(turn([functionCall("view_image", { path: "shots/s.jpg" }, "call_v")]), textTurn("nice"));
    const session = await start("vision-model", { persistExtendedHistory: true });
    await runTurn(h, session, [{ type: "text", text: "look at it" }]);
    const [first, second] = h.server.modelRequests();
    // Offered right before web_search (the order is the catalog selection's, see tool-selection tests).
    expect(toolsOf(first!.body).at(-2)).toEqual("view_image");
    const output = second!.body.input.find((i: { type: string }) => i.type === "function_call_output");
    expect(output).toEqual({
      type: "function_call_output",
      call_id: "call_v",
      output: [{ type: "input_image", image_url: dataUrl("image/jpeg", jpeg), detail: "original" }],
    });
    const absolute = path.join(h.project, "shots/s.jpg");
    expect(h.msgs(session.threadId)).toContainEqual({
      type: "view_image_tool_call",
      call_id: "call_v",
      path: absolute,
    });
    const events = rolloutLines(session.rolloutPath!).filter((l) => l.type === "event_msg");
    expect(events.map((l) => l.payload)).toContainEqual({
      type: "view_image_tool_call",
      call_id: "call_v",
      path: absolute,
    });
  });

  it("refuses an image under a deny-read glob, also through a symlink, with a clear output", async () => {
    const { h, start } = await mediaHarness({
      configToml: [
        'default_permissions = "dev"',
        "[permissions.dev]",
        'extends = ":workspace"',
        '[permissions.dev.filesystem.":workspace_roots"]',
        '"**/private/**" = "deny"',
      ].join("\n"),
    });
    const secret = writeFile(h.project, "private/secret.png", pngBytes(2, 2));
    fs.symlinkSync(secret, path.join(h.project, "innocent.png"));
    h.server.enqueue(
      turn([
        functionCall("view_image", { path: "private/secret.png" }, "call_1"),
        functionCall("view_image", { path: "innocent.png" }, "call_2"),
      ]),
      textTurn("ok"),
    );
    const session = await start("vision-model");
    await runTurn(h, session, [{ type: "text", text: "look" }]);
    const outputs = h.server
      .modelRequests()[1]!
      .body.input.filter((i: { type: string }) => i.type === "function_call_output");
    expect(outputs).toEqual([
      {
        type: "function_call_output",
        call_id: "call_1",
        output: `unable to read image at \`${secret}\`: the permission profile denies reading this path`,
      },
      {
        type: "function_call_output",
        call_id: "call_2",
        output: `unable to read image at \`${path.join(h.project, "innocent.png")}\`: the permission profile denies reading this path`,
      },
    ]);
    expect(h.msgs(session.threadId).some((m) => m.type === "view_image_tool_call")).toBe(false);
  });

  it("Codex's answers for a model without images, a directory, bad detail and non-images", async () => {
    const { h, start } = await mediaHarness();
    writeFile(h.project, "bad.png", "nope");
    writeFile(h.project, "ok.png", pngBytes(1, 1));
    const call = (args: unknown, id: string) => functionCall("view_image", args, id);
    h.server.enqueue(
      turn([call({ path: "ok.png" }, "t1")]),
      textTurn("x"),
      turn([
        call({ path: "." }, "c1"),
        call({ path: "bad.png" }, "c2"),
        call({ path: "ok.png", detail: "low" }, "c3"),
        call({ path: "nowhere.png" }, "c4"),
      ]),
      textTurn("y"),
    );
    const textOnly = await start("text-model");
    await runTurn(h, textOnly, [{ type: "text", text: "look" }]);
    const session = await start("vision-model");
    await runTurn(h, session, [{ type: "text", text: "look" }]);
    const outputsOf = (i: number) =>
      h.server
        .modelRequests()
        [i]!.body.input.filter((x: { type: string }) => x.type === "function_call_output")
        .map((x: { output: unknown }) => x.output);
    expect(outputsOf(1)).toEqual(["view_image is not allowed because you do not support image inputs"]);
    expect(outputsOf(3)).toEqual([
      `image path \`${h.project}\` is not a file`,
      "unable to process image: invalid or unsupported image data",
      "view_image.detail only supports `high` or `original`; omit `detail` for default high resized behavior, got `low`",
      `unable to locate image at \`${path.join(h.project, "nowhere.png")}\`: No such file or directory (os error 2)`,
    ]);
  });
});

describe("web search", () => {
  it("offers the hosted tool as Codex does and reports web_search_call items", async () => {
    const { h, start } = await mediaHarness({ configToml: 'web_search = "live"' });
    h.server.enqueue(
      turn([
        webSearchCall({ type: "search", query: "weather in paris" }, { id: "ws_1" }),
        webSearchCall({ type: "find_in_page", url: "https://e.com/a", pattern: "rain" }, { id: "ws_2" }),
        message("It rains."),
      ]),
      textTurn("again"),
    );
    const session = await start("vision-model", { persistExtendedHistory: true });
    await runTurn(h, session, [{ type: "text", text: "weather?" }]);
    const [first] = h.server.modelRequests();
    expect(toolsOf(first!.body).at(-1)).toEqual({
      type: "web_search",
      external_web_access: true,
      search_content_types: ["text", "image"],
    });
    const searchEvents = h.msgs(session.threadId).filter((m) => m.type.startsWith("web_search"));
    expect(searchEvents).toEqual([
      { type: "web_search_begin", call_id: "ws_1" },
      {
        type: "web_search_end",
        call_id: "ws_1",
        query: "weather in paris",
        action: { type: "search", query: "weather in paris" },
      },
      { type: "web_search_begin", call_id: "ws_2" },
      {
        type: "web_search_end",
        call_id: "ws_2",
        query: "'rain' in https://e.com/a",
        action: { type: "find_in_page", url: "https://e.com/a", pattern: "rain" },
      },
    ]);
    const lines = rolloutLines(session.rolloutPath!);
    const calls = lines.filter((l) => l.type === "response_item" && l.payload.type === "web_search_call");
    expect(calls.map((l) => l.payload)).toEqual([
      {
        id: "ws_1",
        type: "web_search_call",
        status: "completed",
        action: { type: "search", query: "weather in paris" },
      },
      {
        id: "ws_2",
        type: "web_search_call",
        status: "completed",
        action: { type: "find_in_page", url: "https://e.com/a", pattern: "rain" },
      },
    ]);
    expect(lines.filter((l) => l.payload.type === "web_search_end")).toHaveLength(2);
    // The next request carries the searches back, as Codex does.
    await runTurn(h, session, [{ type: "text", text: "more" }]);
    const replayed = h.server
      .modelRequests()[1]!
      .body.input.filter((i: { type: string }) => i.type === "web_search_call");
    expect(replayed.map((i: { id: string }) => i.id)).toEqual(["ws_1", "ws_2"]);
  });

  it("requirements win: a disallowed mode falls back, `disabled` drops the tool", async () => {
    const cases: { toml: string; req?: string; expected: unknown }[] = [
      { toml: 'web_search = "live"', req: 'allowed_web_search_modes = ["cached"]', expected: false },
      { toml: 'web_search = "cached"', expected: false },
      { toml: 'sandbox_mode = "danger-full-access"', expected: true },
      {
        toml: 'sandbox_mode = "danger-full-access"',
        req: 'allowed_web_search_modes = ["cached"]',
        expected: false,
      },
      { toml: 'web_search = "live"', req: "allowed_web_search_modes = []", expected: null },
      { toml: 'web_search = "disabled"', expected: null },
      { toml: "[features]\nweb_search_request = true", expected: true },
    ];
    for (const c of cases) {
      const { h, start } = await mediaHarness({
        configToml: c.toml,
        ...(c.req ? { requirementsToml: c.req } : {}),
      });
      h.server.enqueue(textTurn("ok"));
      const session = await start("some-unknown-model");
      await runTurn(h, session, [{ type: "text", text: "hi" }]);
      const search = h.server
        .modelRequests()[0]!
        .body.tools.find((t: { type: string }) => t.type === "web_search");
      expect(search ? search.external_web_access : null, `${c.toml} / ${c.req ?? "no requirements"}`).toBe(
        c.expected,
      );
      if (search) expect(search).not.toHaveProperty("search_content_types");
    }
  });
});
