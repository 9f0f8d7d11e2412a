import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unknownModelInfo } from "../../src/model/catalog/model-info.js";
import {
  MCP_AUDIO_OMITTED_TEXT,
  MCP_IMAGE_UNSUPPORTED_TEXT,
  mcpModelOutput,
  sanitizeMcpResult,
  wallTimeHeader,
} from "../../src/tools/mcp-output.js";

/** The model-side output of MCP calls (spec mcp.md §4 table). */

const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const images = unknownModelInfo("m");
const textOnly = { ...images, inputModalities: ["text"] as const } as typeof images;

describe("mcpModelOutput", () => {
  it("puts the wall time first and maps every block kind", () => {
    const resource = { type: "resource", resource: { uri: "file:///x", text: "hi" } };
    const link = { type: "resource_link", uri: "file:///y", name: "y" };
    const result = sanitizeMcpResult(
      {
        content: [
          { type: "text", text: "a" },
          { type: "image", data: PNG, mimeType: "image/png" },
          { type: "audio", data: "AAAA", mimeType: "audio/wav" },
          resource,
          link,
        ],
      },
      images,
    );
    expect(mcpModelOutput({ ok: true, result }, 7.1, images)).toEqual([
      { type: "input_text", text: "Wall time: 0.0071 seconds\nOutput:" },
      { type: "input_text", text: "a" },
      { type: "input_image", image_url: `data:image/png;base64,${PNG}`, detail: "high" },
      { type: "input_text", text: MCP_AUDIO_OMITTED_TEXT },
      { type: "input_text", text: JSON.stringify(resource) },
      { type: "input_text", text: JSON.stringify(link) },
    ]);
  });

  it("bytes that are no image get Codex's 'could not be processed' text", () => {
    const result = { content: [{ type: "image", data: "iVBORw0KGgo=", mimeType: "image/png" }] };
    expect(mcpModelOutput({ ok: true, result }, 1, images)).toEqual([
      { type: "input_text", text: wallTimeHeader(1) },
      { type: "input_text", text: "image content omitted because it could not be processed" },
    ]);
  });

  it("a model without image input gets the placeholder, in the item's result too", () => {
    const sanitized = sanitizeMcpResult(
      { content: [{ type: "image", data: PNG, mimeType: "image/png" }] },
      textOnly,
    );
    expect(sanitized.content).toEqual([{ type: "text", text: MCP_IMAGE_UNSUPPORTED_TEXT }]);
    expect(mcpModelOutput({ ok: true, result: sanitized }, 0, textOnly)).toEqual([
      { type: "input_text", text: wallTimeHeader(0) },
      { type: "input_text", text: MCP_IMAGE_UNSUPPORTED_TEXT },
    ]);
  });

  it("structuredContent wins, as one string; isError is not shown", () => {
    const result = {
      content: [{ type: "text", text: "x" }],
      structuredContent: { answer: 42 },
      isError: true,
    };
    expect(mcpModelOutput({ ok: true, result }, 12.34, images)).toBe(
      'Wall time: 0.0123 seconds\nOutput:\n{"answer":42}',
    );
  });

  it("a failure is the wall time and the message", () => {
    expect(mcpModelOutput({ ok: false, message: "user rejected MCP tool call" }, 3, images)).toEqual([
      { type: "input_text", text: wallTimeHeader(3) },
      { type: "input_text", text: "user rejected MCP tool call" },
    ]);
  });

  it("output_token_limit cuts the text in the middle to about 4.8 bytes a token", () => {
    const long = "x".repeat(5000);
    const out = mcpModelOutput(
      { ok: true, result: { content: [{ type: "text", text: long }] } },
      0,
      images,
      100,
    );
    const texts = (out as { text: string }[]).map((p) => p.text).join("");
    expect(texts.length).toBeLessThan(600);
    expect(texts).toMatch(/…\d+ tokens truncated…/);
  });

  it("invariants: header first; text blocks pass through when no limit applies", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 8 }), fc.nat(100_000), (texts, ms) => {
        const content = texts.map((text) => ({ type: "text", text }));
        const out = mcpModelOutput({ ok: true, result: { content } }, ms, images) as { text: string }[];
        expect(out[0]!.text).toBe(wallTimeHeader(ms));
        expect(out.slice(1).map((p) => p.text)).toEqual(texts);
      }),
    );
  });
});
