import path from "node:path";
import { z } from "zod";
import type { ModelInfo } from "../model/catalog/model-info.js";
import {
  canReadPath,
  createReadDenyMatcher,
  type PermissionEnv,
  type ReadDenyMatcher,
} from "../permissions/index.js";
import type { ResponseItem } from "../protocol/items.js";
import type { FunctionToolSpec } from "../protocol/model.js";
import {
  imageDetailFor,
  loadImageFile,
  modelTakesImages,
  type PromptImageDetail,
  toolOutputImage,
} from "../session/images.js";
import { currentModelInfo } from "../session/model-info.js";
import { type ToolCall, type ToolContext, toolOutputItem } from "../session/tool-router.js";
import { parseToolArguments } from "./specs.js";

/** `view_image`: the model looks at an image file on disk (Codex 0.169's tool, same texts). */
export const VIEW_IMAGE_TOOL_NAME = "view_image";

/** Offered only to models that take images. */
export function viewImageToolEnabled(info: ModelInfo): boolean {
  return modelTakesImages(info);
}

export function viewImageToolSpec(): FunctionToolSpec {
  return {
    type: "function",
    name: VIEW_IMAGE_TOOL_NAME,
    description:
      "View a local image file from the filesystem when visual inspection is needed. Use this for images already available on disk.",
    strict: false,
    parameters: {
      type: "object",
      properties: { path: { type: "string", description: "Local filesystem path to an image file." } },
      required: ["path"],
      additionalProperties: false,
    },
  };
}

const ViewImageArgsSchema = z.object({ path: z.string(), detail: z.string().nullish() });

/** Whether the turn's permission profile lets a tool read `p` (deny globs and `none` entries). */
function readAllowed(ctx: ToolContext, env: PermissionEnv, deny: ReadDenyMatcher | null, p: string): boolean {
  if (deny?.isReadDenied(p)) return false;
  return canReadPath(ctx.config.fileSystemSandboxPolicy, p, ctx.cwd, env);
}

/** The detail of the answer: the model's default, or `high`/`original` when the model asks. */
function requestedDetail(
  detail: string | null | undefined,
  info: ModelInfo,
): { ok: true; detail: PromptImageDetail } | { ok: false; message: string } {
  if (detail === null || detail === undefined || detail === "original")
    return { ok: true, detail: imageDetailFor(info) };
  if (detail === "high") return { ok: true, detail: "high" };
  return {
    ok: false,
    message: `view_image.detail only supports \`high\` or \`original\`; omit \`detail\` for default high resized behavior, got \`${detail}\``,
  };
}

/**
 * Runs a `view_image` call: resolves the path against the turn cwd, refuses what the permission
 * profile does not let tools read, and answers with the image as an `input_image` output part.
 * Every failure is an output text the model can act on.
 */
export function runViewImage(call: ToolCall, ctx: ToolContext, env: PermissionEnv = {}): ResponseItem {
  const info = currentModelInfo(ctx.config);
  if (!modelTakesImages(info))
    return toolOutputItem(call, "view_image is not allowed because you do not support image inputs");
  const args = parseToolArguments(ViewImageArgsSchema, call.input);
  if (!args.ok) return toolOutputItem(call, args.message);
  const requested = requestedDetail(args.value.detail, info);
  if (!requested.ok) return toolOutputItem(call, requested.message);

  const absPath = path.resolve(ctx.cwd, args.value.path);
  const deny = createReadDenyMatcher(ctx.config.fileSystemSandboxPolicy, ctx.cwd, env);
  const denied = `unable to read image at \`${absPath}\`: the permission profile denies reading this path`;
  if (!readAllowed(ctx, env, deny, absPath)) return toolOutputItem(call, denied);
  const loaded = loadImageFile(absPath, info, (real) => readAllowed(ctx, env, deny, real));
  switch (loaded.kind) {
    case "denied":
      return toolOutputItem(call, denied);
    case "unreadable":
      return toolOutputItem(call, `unable to locate image at \`${absPath}\`: ${loaded.reason}`);
    case "not_a_file":
      return toolOutputItem(call, `image path \`${absPath}\` is not a file`);
    case "unprocessable":
      return toolOutputItem(call, "unable to process image: invalid or unsupported image data");
    case "too_large":
      return toolOutputItem(
        call,
        `unable to process image at \`${absPath}\`: it is larger than the 20 MiB keel sends to a model`,
      );
    case "image":
      ctx.emit({ type: "view_image_tool_call", call_id: call.callId, path: absPath });
      return {
        type: "function_call_output",
        call_id: call.callId,
        output: [toolOutputImage({ ...loaded.image, detail: requested.detail })],
      };
  }
}
