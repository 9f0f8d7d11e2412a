import fs from "node:fs";
import path from "node:path";
import type { ModelInfo } from "../model/catalog/model-info.js";
import type { ContentItem, ResponseItem, ToolOutput } from "../protocol/items.js";
import { fitImageSync, PROMPT_IMAGE_MAX_HEIGHT, PROMPT_IMAGE_MAX_WIDTH } from "../lib/image-fit.js";
import { imageInfo } from "../lib/image-info.js";

/**
 * Images on their way to the model, shaped as Codex 0.169 shapes them: user images inside
 * `<image name=[Image #n] …>` markers, tool-output images as bare `input_image` parts, the
 * `detail` the model's catalog entry asks for, and Codex's texts where an image cannot go.
 */

export type PromptImageDetail = "high" | "original";

/** An image ready for a prompt: a data URL and the detail the model gets it at. */
export interface PromptImage {
  imageUrl: string;
  detail: PromptImageDetail;
}

/**
 * The most keel reads of one image: a larger file is replaced by Codex's size-limit text and
 * never read into memory whole (nor handed to the decoder).
 */
export const MAX_PROMPT_IMAGE_BYTES = 20 * 1024 * 1024;

export const IMAGE_CLOSE_TAG = "</image>";
export const IMAGE_UNPROCESSABLE_TEXT = "image content omitted because it could not be processed";
export const IMAGE_TOO_LARGE_TEXT =
  "image content omitted because it exceeded the supported size limit; use a smaller image";
export const IMAGE_UNSUPPORTED_BY_MODEL_TEXT = "image content omitted because you do not support image input";

export function modelTakesImages(info: ModelInfo): boolean {
  return info.inputModalities.includes("image");
}

export function imageDetailFor(info: ModelInfo): PromptImageDetail {
  return info.supportsImageDetailOriginal ? "original" : "high";
}

export type ImageLoad =
  | { kind: "image"; image: PromptImage }
  /** Not a PNG, JPEG, GIF or WebP (or a broken header). */
  | { kind: "unprocessable" }
  | { kind: "too_large" };

/**
 * Bytes as a prompt image, when they are one and within the size bound. As in Codex, a model
 * that takes `original` detail gets the bytes as they are; for the others an image larger than
 * 2048×768 is scaled down to fit, and a GIF is always re-encoded as PNG (see lib/image-fit).
 */
export function promptImageFromBytes(bytes: Uint8Array, info: ModelInfo): ImageLoad {
  if (bytes.byteLength > MAX_PROMPT_IMAGE_BYTES) return { kind: "too_large" };
  const header = imageInfo(bytes);
  if (header === null) return { kind: "unprocessable" };
  const detail = imageDetailFor(info);
  const keepSize =
    detail === "original" ||
    (header.width <= PROMPT_IMAGE_MAX_WIDTH && header.height <= PROMPT_IMAGE_MAX_HEIGHT);
  if (keepSize && header.mime !== "image/gif")
    return { kind: "image", image: dataUrlImage(bytes, header.mime, detail) };
  const fitted = fitImageSync(bytes, header.mime, !keepSize);
  if (fitted.kind === "undecodable") return { kind: "unprocessable" };
  // Without a decoder the image goes as it is, which is what keel did before it had one.
  if (fitted.kind === "unavailable")
    return { kind: "image", image: dataUrlImage(bytes, header.mime, detail) };
  return { kind: "image", image: dataUrlImage(fitted.image.bytes, fitted.image.mime, detail) };
}

function dataUrlImage(bytes: Uint8Array, mime: string, detail: PromptImageDetail): PromptImage {
  const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  return { imageUrl: `data:${mime};base64,${base64}`, detail };
}

/** An I/O failure in the words Rust's `io::Error` uses, e.g. "No such file or directory (os error 2)". */
export function osErrorText(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const described = /^[A-Z0-9_]+: ([^,]+)/.exec(e?.message ?? "")?.[1];
  if (!described || typeof e.errno !== "number") return String(e?.message ?? error);
  return `${described.charAt(0).toUpperCase()}${described.slice(1)} (os error ${Math.abs(e.errno)})`;
}

export type FileImageLoad =
  | ImageLoad
  | { kind: "unreadable"; reason: string }
  | { kind: "not_a_file" }
  | { kind: "denied"; realPath: string };

/** The path an open descriptor really names (Linux), so a symlink swapped in later cannot matter. */
function openedPath(fd: number, fallback: string): string {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return fs.realpathSync(fallback);
  }
}

/**
 * Reads an image file. It is opened without blocking (a FIFO cannot hang the turn), then
 * `mayRead` judges the path the descriptor really names before a byte is read; a file over the
 * bound is refused from its size.
 */
export function loadImageFile(
  absPath: string,
  info: ModelInfo,
  mayRead: (realPath: string) => boolean = () => true,
): FileImageLoad {
  let fd: number;
  try {
    fd = fs.openSync(absPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    return { kind: "unreadable", reason: osErrorText(error) };
  }
  try {
    const realPath = openedPath(fd, absPath);
    if (!mayRead(realPath)) return { kind: "denied", realPath };
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { kind: "not_a_file" };
    if (stat.size > MAX_PROMPT_IMAGE_BYTES) return { kind: "too_large" };
    return promptImageFromBytes(fs.readFileSync(fd), info);
  } catch (error) {
    return { kind: "unreadable", reason: osErrorText(error) };
  } finally {
    fs.closeSync(fd);
  }
}

function escapeAttribute(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll('"', "&quot;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
}

export function localImageOpenTag(label: number, shownPath: string): string {
  return `<image name=[Image #${label}] path="${escapeAttribute(shownPath)}">`;
}

function imagePart(image: PromptImage): ContentItem {
  return { type: "input_image", image_url: image.imageUrl, detail: image.detail };
}

/**
 * The content parts for a `localImage` user input: the image between its markers, or the text
 * Codex puts in its place. `shownPath` is the path as the user gave it (relative paths stay
 * relative in the marker); it is read relative to `cwd`.
 */
export function localImageContent(
  shownPath: string,
  cwd: string,
  label: number,
  info: ModelInfo,
): ContentItem[] {
  const loaded = loadImageFile(path.resolve(cwd, shownPath), info);
  const text = (t: string): ContentItem => ({ type: "input_text", text: t });
  switch (loaded.kind) {
    case "image":
      return [text(localImageOpenTag(label, shownPath)), imagePart(loaded.image), text(IMAGE_CLOSE_TAG)];
    case "unreadable":
      return [text(`keel could not read the local image at \`${shownPath}\`: ${loaded.reason}`)];
    case "not_a_file":
      return [text(`keel could not read the local image at \`${shownPath}\`: Is a directory (os error 21)`)];
    case "denied":
      return [
        text(`keel could not read the local image at \`${shownPath}\`: Permission denied (os error 13)`),
      ];
    case "unprocessable":
      return [
        text(localImageOpenTag(label, shownPath)),
        text(IMAGE_UNPROCESSABLE_TEXT),
        text(IMAGE_CLOSE_TAG),
      ];
    case "too_large":
      return [text(localImageOpenTag(label, shownPath)), text(IMAGE_TOO_LARGE_TEXT), text(IMAGE_CLOSE_TAG)];
  }
}

/** The content part for an `image` user input (a data URL): sent as is, without markers. */
export function remoteImageContent(imageUrl: string, info: ModelInfo): ContentItem {
  return imagePart({ imageUrl, detail: imageDetailFor(info) });
}

type ToolOutputPart = Exclude<ToolOutput, string>[number];

/** A tool's image output (view_image now, MCP image results later) as a tool-output part. */
export function toolOutputImage(image: PromptImage): ToolOutputPart {
  return { type: "input_image", image_url: image.imageUrl, detail: image.detail };
}

/**
 * Image bytes a tool returned (e.g. an MCP result's base64 data) as one tool-output part: the
 * image, or Codex's text when the bytes are not an image or too large to send.
 */
export function toolOutputImagePart(bytes: Uint8Array, info: ModelInfo): ToolOutputPart {
  const loaded = promptImageFromBytes(bytes, info);
  if (loaded.kind === "image") return toolOutputImage(loaded.image);
  const text = loaded.kind === "too_large" ? IMAGE_TOO_LARGE_TEXT : IMAGE_UNPROCESSABLE_TEXT;
  return { type: "input_text", text };
}

function withoutImages<T extends { type: string }>(parts: readonly T[]): T[] | null {
  if (!parts.some((p) => p.type === "input_image")) return null;
  return parts.map((p) =>
    p.type === "input_image"
      ? ({ type: "input_text", text: IMAGE_UNSUPPORTED_BY_MODEL_TEXT } as unknown as T)
      : p,
  );
}

/**
 * The history as a model without image input sees it: every image part (in messages and tool
 * outputs) becomes Codex's placeholder text. The history itself keeps the images, so switching
 * back to an image model shows them again.
 */
export function stripImagesWhenUnsupported(items: readonly ResponseItem[], info: ModelInfo): ResponseItem[] {
  if (modelTakesImages(info)) return [...items];
  return items.map((item) => {
    if (item.type === "message") {
      const content = withoutImages((item as { content: ContentItem[] }).content);
      return content ? ({ ...item, content } as ResponseItem) : item;
    }
    if (item.type === "function_call_output" || item.type === "custom_tool_call_output") {
      const output = (item as { output: ToolOutput }).output;
      const stripped = typeof output === "string" ? null : withoutImages(output);
      return stripped ? ({ ...item, output: stripped } as ResponseItem) : item;
    }
    return item;
  });
}
