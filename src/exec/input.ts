import fs from "node:fs";
import path from "node:path";
import type { UserInput } from "../protocol/events.js";
import { UserError } from "../lib/errors.js";
import { utf8ValidUpTo } from "../lib/utf8.js";

export const NO_PROMPT_MESSAGE =
  "No prompt provided. Either specify one as an argument or pipe the prompt into stdin.";

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

const CONVERT_HINT = "Convert it to UTF-8 and retry (e.g., `iconv -f <ENC> -t UTF-8 prompt.txt`).";

/** Bytes as text, refusing what is not UTF-8: a replacement character would silently change the prompt. */
function decodePrompt(bytes: Uint8Array, what: string): string {
  const validUpTo = utf8ValidUpTo(bytes);
  if (validUpTo !== null)
    throw new UserError(
      `${what} is not valid UTF-8 (invalid byte at offset ${validUpTo}). ${CONVERT_HINT}`,
      1,
    );
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

/**
 * Node decodes the command line with replacement characters, so a prompt argument that contains
 * one is checked against the raw bytes of the arguments (`/proc/self/cmdline`, when the CLI could
 * read it): the argument that decodes to it must be valid UTF-8.
 */
function checkArgumentBytes(prompt: string, rawArgs: readonly Uint8Array[] | undefined): void {
  if (!prompt.includes("\uFFFD") || !rawArgs) return;
  for (const raw of rawArgs) {
    if (Buffer.from(raw).toString("utf8") === prompt) decodePrompt(raw, "the prompt argument");
  }
}

/**
 * The prompt: the argument, or stdin when the argument is `-`, or absent while stdin is not a
 * terminal (the Codex SDK always pipes it).
 */
export async function resolvePrompt(
  arg: string | null | undefined,
  stdin: NodeJS.ReadableStream,
  stdinIsTTY: boolean,
  rawArgs?: readonly Uint8Array[],
): Promise<string> {
  let prompt = arg ?? null;
  if (prompt === "-" || (prompt === null && !stdinIsTTY))
    prompt = decodePrompt(await readAll(stdin), "Failed to read prompt from stdin: input");
  else if (prompt !== null) checkArgumentBytes(prompt, rawArgs);
  if (prompt === null || prompt.trim() === "") throw new UserError(NO_PROMPT_MESSAGE, 1);
  return prompt;
}

/**
 * `--image` files as local-image inputs, paths as given: the session reads them relative to its
 * cwd and puts Codex's placeholder text where a file is missing or not an image.
 */
export function imageInputs(files: readonly string[]): UserInput[] {
  return files
    .flatMap((f) => f.split(","))
    .map((f) => f.trim())
    .filter((f) => f !== "")
    .map((file) => ({ type: "local_image" as const, path: file }));
}

/** `--output-schema FILE`: a JSON Schema object. */
export function readOutputSchema(file: string, cwd: string): Record<string, unknown> {
  const abs = path.resolve(cwd, file);
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(abs, "utf8"));
  } catch (error) {
    throw new UserError(`cannot read the output schema ${abs}: ${(error as Error).message}`, 1);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UserError(`the output schema ${abs} must be a JSON object`, 1);
  }
  return value as Record<string, unknown>;
}
