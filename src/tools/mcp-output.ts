import type { ModelInfo } from "../model/catalog/model-info.js";
import type { McpCallToolResult } from "../mcp/types.js";
import type { ToolOutput } from "../protocol/items.js";
import {
  IMAGE_TOO_LARGE_TEXT,
  IMAGE_UNPROCESSABLE_TEXT,
  modelTakesImages,
  promptImageFromBytes,
} from "../session/images.js";
import { truncateToolOutput } from "./runtime/history-truncation.js";
import { historyPolicy, truncateText } from "./runtime/truncation.js";

/**
 * What the model reads for an MCP tool call (spec mcp.md §4): a wall-time header, then the
 * result's content blocks as input parts, or the JSON of `structuredContent` as one text, or the
 * failure text. `isError` is not shown. The item keeps the (sanitised) result itself.
 */

export const MCP_AUDIO_OMITTED_TEXT = "<audio content omitted because you do not support audio input>";
export const MCP_IMAGE_UNSUPPORTED_TEXT = "<image content omitted because you do not support image input>";

/** How the call ended: the server's result, or a failure (call error, timeout, refusal). */
export type McpCallOutcome = { ok: true; result: McpCallToolResult } | { ok: false; message: string };

type Part = Exclude<ToolOutput, string>[number];
type Block = Record<string, unknown>;

const textBlock = (text: string): Block => ({ type: "text", text });

/**
 * The result as Codex hands it on: audio is never passed to the model, images only to models
 * that take them; both become text blocks, in the item too.
 */
export function sanitizeMcpResult(result: McpCallToolResult, info: ModelInfo): McpCallToolResult {
  const images = modelTakesImages(info);
  const content = (Array.isArray(result.content) ? result.content : []).map((block) => {
    if (block.type === "audio") return textBlock(MCP_AUDIO_OMITTED_TEXT);
    if (block.type === "image" && !images) return textBlock(MCP_IMAGE_UNSUPPORTED_TEXT);
    return block;
  });
  return { ...result, content };
}

/** `Wall time: 0.0071 seconds` (four decimals, as Codex prints it). */
export function wallTimeHeader(elapsedMs: number): string {
  return `Wall time: ${(elapsedMs / 1000).toFixed(4)} seconds\nOutput:`;
}

function blockPart(block: Block, info: ModelInfo): Part {
  switch (block.type) {
    case "text":
      return { type: "input_text", text: typeof block.text === "string" ? block.text : "" };
    case "image": {
      const data = typeof block.data === "string" ? block.data : "";
      const loaded = promptImageFromBytes(Buffer.from(data, "base64"), info);
      if (loaded.kind !== "image") {
        const text = loaded.kind === "too_large" ? IMAGE_TOO_LARGE_TEXT : IMAGE_UNPROCESSABLE_TEXT;
        return { type: "input_text", text };
      }
      // Codex sends MCP images at "high" detail, under the server's MIME type.
      const url =
        typeof block.mimeType === "string" ? `data:${block.mimeType};base64,${data}` : loaded.image.imageUrl;
      return { type: "input_image", image_url: url, detail: "high" };
    }
    default:
      // resource, resource_link and anything newer: the block's JSON.
      return { type: "input_text", text: JSON.stringify(block) };
  }
}

/**
 * The `function_call_output.output` for an MCP call. `outputTokenLimit` is the tool's
 * `output_token_limit`; without it the history's usual cut applies when the output is recorded.
 */
export function mcpModelOutput(
  outcome: McpCallOutcome,
  elapsedMs: number,
  info: ModelInfo,
  outputTokenLimit?: number | null,
): ToolOutput {
  const header = wallTimeHeader(elapsedMs);
  const policy =
    outputTokenLimit === undefined || outputTokenLimit === null
      ? null
      : historyPolicy({ mode: "tokens", limit: outputTokenLimit });
  if (!outcome.ok) {
    const parts: Part[] = [
      { type: "input_text", text: header },
      { type: "input_text", text: outcome.message },
    ];
    return policy ? truncateToolOutput(parts, policy) : parts;
  }
  const { result } = outcome;
  if (result.structuredContent !== undefined && result.structuredContent !== null) {
    const text = `${header}\n${JSON.stringify(result.structuredContent)}`;
    return policy ? truncateText(text, policy) : text;
  }
  const parts: Part[] = [{ type: "input_text", text: header }];
  for (const block of result.content ?? []) parts.push(blockPart(block, info));
  return policy ? truncateToolOutput(parts, policy) : parts;
}
