import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { unknownModelInfo } from "../../src/model/catalog/model-info.js";
import { type ImageLoad, promptImageFromBytes } from "../../src/session/images.js";
import { pngBytes } from "../support/images.js";

/**
 * Images are fitted for the prompt as Codex 0.169 fits them: larger than 2048×768 ⇒ scaled down
 * (aspect kept) in their own format (PNG, JPEG, WebP); a GIF ⇒ PNG; anything within bounds in
 * PNG, JPEG or WebP ⇒ the very bytes; a model taking `original` detail ⇒ never scaled.
 */

const model = unknownModelInfo("m");
const originalDetailModel = { ...unknownModelInfo("m"), supportsImageDetailOriginal: true };

function solid(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 10, b: 10 } } });
}

async function decoded(load: ImageLoad) {
  if (load.kind !== "image") throw new Error(`not an image: ${load.kind}`);
  const match = /^data:(image\/[a-z]+);base64,(.*)$/.exec(load.image.imageUrl)!;
  const bytes = Buffer.from(match[2]!, "base64");
  const meta = await sharp(bytes).metadata();
  return { mime: match[1], bytes, width: meta.width, height: meta.height, format: meta.format };
}

describe("prompt image fitting", () => {
  it("scales a large PNG, JPEG and WebP down to fit 2048×768, each in its own format", async () => {
    const cases = [
      ["png", "image/png", await solid(4096, 2048).png().toBuffer()],
      ["jpeg", "image/jpeg", await solid(4096, 2048).jpeg().toBuffer()],
      ["webp", "image/webp", await solid(4096, 2048).webp().toBuffer()],
    ] as const;
    for (const [format, mime, bytes] of cases) {
      const out = await decoded(promptImageFromBytes(bytes, model));
      expect([out.mime, out.format, out.width, out.height], format).toEqual([mime, format, 1536, 768]);
    }
    // A tall one is bounded by its height too, and a wide one by its width.
    expect(await decoded(promptImageFromBytes(pngBytes(300, 3000), model))).toMatchObject({
      width: 77,
      height: 768,
    });
    expect(await decoded(promptImageFromBytes(pngBytes(5000, 100), model))).toMatchObject({
      width: 2048,
      height: 41,
    });
  });

  it("sends an image within bounds as its very bytes, and a GIF as PNG of the same size", async () => {
    const png = await solid(2048, 768).png().toBuffer();
    expect((await decoded(promptImageFromBytes(png, model))).bytes.equals(png)).toBe(true);
    const gif = await solid(40, 30).gif().toBuffer();
    expect(await decoded(promptImageFromBytes(gif, model))).toMatchObject({
      mime: "image/png",
      format: "png",
      width: 40,
      height: 30,
    });
  });

  it("never scales for a model that takes original detail", async () => {
    const big = await solid(4096, 2048).png().toBuffer();
    const load = promptImageFromBytes(big, originalDetailModel);
    expect(load).toMatchObject({ kind: "image", image: { detail: "original" } });
    expect((await decoded(load)).bytes.equals(big)).toBe(true);
  });

  it("a large image whose pixels do not decode is Codex's unprocessable image", () => {
    const header = pngBytes(4000, 4000).subarray(0, 33);
    const broken = Buffer.concat([header, Buffer.alloc(64, 7)]);
    expect(promptImageFromBytes(broken, model)).toEqual({ kind: "unprocessable" });
  });
});
