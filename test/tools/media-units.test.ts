import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WebSearchMode } from "../../src/config/requirements-toml.js";
import { imageInfo } from "../../src/lib/image-info.js";
import { unknownModelInfo } from "../../src/model/catalog/model-info.js";
import type { ResponseItem } from "../../src/protocol/items.js";
import {
  IMAGE_UNSUPPORTED_BY_MODEL_TEXT,
  promptImageFromBytes,
  stripImagesWhenUnsupported,
  toolOutputImagePart,
} from "../../src/session/images.js";
import {
  configuredWebSearchMode,
  webSearchActionDetail,
  webSearchActionToV2,
  webSearchModeForTurn,
} from "../../src/tools/web-search.js";
import { jpegBytes, pngBytes } from "../support/images.js";

describe("image headers", () => {
  it("reads the size and type of any PNG or JPEG", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 3000 }), (width, height) => {
        expect(imageInfo(pngBytes(width, 1))).toEqual({ mime: "image/png", width, height: 1 });
        expect(imageInfo(jpegBytes(width, height))).toEqual({ mime: "image/jpeg", width, height });
      }),
      { numRuns: 40 },
    );
  });

  it("never throws on arbitrary bytes, and truncated headers are not images", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const info = imageInfo(bytes);
        if (info) expect(info.width * info.height).toBeGreaterThan(0);
      }),
    );
    const png = pngBytes(3, 3);
    for (let cut = 0; cut < 24; cut++) expect(imageInfo(png.subarray(0, cut))).toBeNull();
  });

  it("GIF and WebP headers are read too", () => {
    const gif = Buffer.from("GIF89a\x05\x00\x07\x00\x80\x00\x00", "latin1");
    expect(imageInfo(gif)).toEqual({ mime: "image/gif", width: 5, height: 7 });
    const webp = Buffer.alloc(30);
    webp.write("RIFF", 0, "latin1");
    webp.write("WEBPVP8X", 8, "latin1");
    webp.writeUIntLE(99, 24, 3);
    webp.writeUIntLE(49, 27, 3);
    expect(imageInfo(webp)).toEqual({ mime: "image/webp", width: 100, height: 50 });
    // A GIF is decoded to be re-encoded as PNG (as Codex does); a header alone does not decode.
    expect(promptImageFromBytes(gif, unknownModelInfo("m"))).toEqual({ kind: "unprocessable" });
  });
});

describe("web search mode", () => {
  const modes: WebSearchMode[] = ["disabled", "cached", "live"];
  const anyMode = fc.constantFrom<WebSearchMode | null>(null, ...modes);
  const allowedList = fc.option(fc.subarray(modes), { nil: null });
  const sandbox = fc.constantFrom(
    { type: "read-only" } as const,
    { type: "danger-full-access" } as const,
    { type: "workspace-write" } as const,
  );

  it("the turn's mode is always one the requirements allow (disabled always is)", () => {
    fc.assert(
      fc.property(anyMode, allowedList, sandbox, (configured, allowed, box) => {
        const mode = webSearchModeForTurn(configured, allowed, box as never);
        expect(mode === "disabled" || allowed === null || allowed.includes(mode)).toBe(true);
        if (configured === "disabled") expect(mode).toBe("disabled");
        if (allowed === null && configured !== null && box.type !== "danger-full-access")
          expect(mode).toBe(configured);
      }),
    );
  });

  it("unset is cached, or live without a sandbox; a disallowed mode falls back in Codex's order", () => {
    const ro = { type: "read-only" } as never;
    const dfa = { type: "danger-full-access" } as never;
    expect(webSearchModeForTurn(null, null, ro)).toBe("cached");
    expect(webSearchModeForTurn(null, null, dfa)).toBe("live");
    expect(webSearchModeForTurn("cached", null, dfa)).toBe("live");
    expect(webSearchModeForTurn("live", ["cached"], ro)).toBe("cached");
    expect(webSearchModeForTurn("cached", ["live"], ro)).toBe("live");
    expect(webSearchModeForTurn("live", [], ro)).toBe("disabled");
    expect(configuredWebSearchMode(undefined, { web_search_cached: true, web_search_request: true })).toBe(
      "cached",
    );
    expect(configuredWebSearchMode(undefined, { web_search_request: true })).toBe("live");
    expect(configuredWebSearchMode("disabled", { web_search_request: true })).toBe("disabled");
  });

  it("summarises an action the way Codex labels the item", () => {
    const detail = (a: unknown) => webSearchActionDetail(webSearchActionToV2(a));
    expect(detail({ type: "search", query: "q" })).toBe("q");
    expect(detail({ type: "search", queries: ["a", "b"] })).toBe("a ...");
    expect(detail({ type: "search", queries: ["a"] })).toBe("a");
    expect(detail({ type: "open_page", url: "https://x" })).toBe("https://x");
    expect(detail({ type: "find_in_page", url: "https://x", pattern: "p" })).toBe("'p' in https://x");
    expect(detail({ type: "find_in_page", pattern: "p" })).toBe("'p'");
    expect(detail({ type: "something_new" })).toBe("");
    expect(webSearchActionToV2(null)).toEqual({ type: "other" });
  });
});

describe("images for a model without image input", () => {
  const textModel = { ...unknownModelInfo("t"), inputModalities: ["text" as const] };
  const part = fc.oneof(
    fc.record({ type: fc.constant("input_text" as const), text: fc.string() }),
    fc.record({
      type: fc.constant("input_image" as const),
      image_url: fc.string(),
      detail: fc.constant("high" as const),
    }),
  );
  const item = fc.oneof(
    fc.record({
      type: fc.constant("message" as const),
      role: fc.constant("user" as const),
      content: fc.array(part),
    }),
    fc.record({
      type: fc.constant("function_call_output" as const),
      call_id: fc.string(),
      output: fc.array(part),
    }),
    fc.record({
      type: fc.constant("function_call_output" as const),
      call_id: fc.string(),
      output: fc.string(),
    }),
  );

  it("every image becomes Codex's placeholder, everything else stays; image models see it all", () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 6 }), (items) => {
        const stripped = stripImagesWhenUnsupported(items as ResponseItem[], textModel);
        expect(JSON.stringify(stripped)).not.toContain('"input_image"');
        const partsOf = (i: unknown) => {
          const x = i as { content?: unknown; output?: unknown };
          return Array.isArray(x.content) ? x.content : Array.isArray(x.output) ? x.output : [];
        };
        items.forEach((original, n) => {
          const before = partsOf(original);
          const after = partsOf(stripped[n]);
          expect(after.length).toBe(before.length);
          const expected = before.map((p: { type: string }) =>
            p.type === "input_image" ? { type: "input_text", text: IMAGE_UNSUPPORTED_BY_MODEL_TEXT } : p,
          );
          expect(after).toEqual(expected);
        });
        expect(stripImagesWhenUnsupported(items as ResponseItem[], unknownModelInfo("v"))).toEqual(items);
      }),
    );
  });

  it("tool image bytes become an image part, or Codex's text when they are not an image", () => {
    const png = pngBytes(2, 2);
    expect(toolOutputImagePart(png, unknownModelInfo("v"))).toEqual({
      type: "input_image",
      image_url: `data:image/png;base64,${png.toString("base64")}`,
      detail: "high",
    });
    expect(toolOutputImagePart(Buffer.from("nope"), unknownModelInfo("v"))).toEqual({
      type: "input_text",
      text: "image content omitted because it could not be processed",
    });
  });
});
