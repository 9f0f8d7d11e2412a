import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

/**
 * Re-encoding images for a prompt, as Codex does before upload: an image larger than 2048×768 is
 * scaled down to fit (aspect ratio kept) and re-encoded in its own format when that is PNG, JPEG
 * (quality 85) or WebP (lossless), else as PNG; a GIF is always re-encoded as PNG.
 *
 * The decoder is sharp (libvips), whose API is asynchronous, while keel builds prompt items
 * synchronously (the user's message is recorded before anything else of the turn). So the work
 * runs in a short-lived child `node` and the caller waits for it, as Codex blocks on its own
 * decoder. A child rather than a worker thread: keel may run from a V8 start-up snapshot, where
 * worker threads do not get shared memory; and a decoder crash cannot take keel down.
 */

export const PROMPT_IMAGE_MAX_WIDTH = 2048;
export const PROMPT_IMAGE_MAX_HEIGHT = 768;

export type FittableMime = "image/png" | "image/jpeg" | "image/gif" | "image/webp";

export interface FittedImage {
  bytes: Buffer;
  mime: "image/png" | "image/jpeg" | "image/webp";
  width: number;
  height: number;
}

export type FitResult =
  | { kind: "fitted"; image: FittedImage }
  /** The bytes could not be decoded as an image. */
  | { kind: "undecodable"; message: string }
  /** No decoder here (sharp missing, the child failed or timed out): the caller keeps the original. */
  | { kind: "unavailable" };

/** How long a caller waits for one image before giving up on it. */
const FIT_TIMEOUT_MS = 30_000;

// The child (CommonJS): image bytes on stdin; one JSON line on stdout, then the new bytes.
const CHILD_SOURCE = `
const [sharpPath, resize, maxWidth, maxHeight, sourceMime] = process.argv.slice(1);
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", async () => {
  try {
    const sharp = require(sharpPath);
    let image = sharp(Buffer.concat(chunks), { animated: false });
    if (resize === "1") image = image.resize(Number(maxWidth), Number(maxHeight), { fit: "inside", withoutEnlargement: true });
    if (sourceMime === "image/jpeg") image = image.jpeg({ quality: 85 });
    else if (sourceMime === "image/webp") image = image.webp({ lossless: true });
    else image = image.png();
    const { data, info } = await image.toBuffer({ resolveWithObject: true });
    process.stdout.write(JSON.stringify({ ok: true, format: info.format, width: info.width, height: info.height }) + "\\n");
    process.stdout.write(data);
  } catch (error) {
    process.stdout.write(JSON.stringify({ ok: false, message: String(error && error.message || error) }) + "\\n");
  }
});
`;

let sharpPath: string | null | undefined;

function resolveSharp(): string | null {
  if (sharpPath === undefined) {
    try {
      sharpPath = createRequire(import.meta.url).resolve("sharp");
    } catch {
      sharpPath = null;
    }
  }
  return sharpPath;
}

/**
 * Re-encodes `bytes` (a `sourceMime` image), scaled down to fit the prompt bounds when `resize`.
 * Blocks until the decoder is done.
 */
export function fitImageSync(bytes: Uint8Array, sourceMime: FittableMime, resize: boolean): FitResult {
  const decoder = resolveSharp();
  if (!decoder) return { kind: "unavailable" };
  const args = [
    decoder,
    resize ? "1" : "0",
    String(PROMPT_IMAGE_MAX_WIDTH),
    String(PROMPT_IMAGE_MAX_HEIGHT),
    sourceMime,
  ];
  const run = spawnSync(process.execPath, ["-e", CHILD_SOURCE, ...args], {
    input: bytes,
    // Nothing of the caller's environment (NODE_OPTIONS included) reaches the decoder.
    env: {},
    timeout: FIT_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0 || !run.stdout) return { kind: "unavailable" };
  const newline = run.stdout.indexOf(0x0a);
  if (newline < 0) return { kind: "unavailable" };
  let header: { ok: true; format: string; width: number; height: number } | { ok: false; message: string };
  try {
    header = JSON.parse(run.stdout.subarray(0, newline).toString("utf8"));
  } catch {
    return { kind: "unavailable" };
  }
  if (!header.ok) return { kind: "undecodable", message: header.message };
  const mime =
    header.format === "jpeg" ? "image/jpeg" : header.format === "webp" ? "image/webp" : "image/png";
  return {
    kind: "fitted",
    image: { bytes: run.stdout.subarray(newline + 1), mime, width: header.width, height: header.height },
  };
}
