import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskApiKey, readStoredAuth, saveApiKey } from "../../src/auth/auth-file.js";
import { tempDir } from "../support/tmp.js";

describe("maskApiKey (Codex's safe_format_key)", () => {
  it("matches Codex's examples", () => {
    expect(maskApiKey("sk-proj-1234567890ABCDE")).toBe("sk-proj-***ABCDE");
    expect(maskApiKey("sk-proj-12345")).toBe("***");
  });

  it("never shows more than 13 characters of a key, nor any of its middle", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), (key) => {
        const masked = maskApiKey(key);
        expect(masked.replace("***", "").length).toBeLessThanOrEqual(13);
        if (key.length > 13) expect(masked).toBe(`${key.slice(0, 8)}***${key.slice(-5)}`);
        else expect(masked).toBe("***");
      }),
    );
  });
});

describe("auth.json round trip", () => {
  it("reads back exactly the key it saved", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((k) => k.trim() !== ""),
        (key) => {
          const home = tempDir("keel-auth-");
          saveApiKey(home, key);
          expect(readStoredAuth(home)).toEqual({ mode: "apikey", apiKey: key });
        },
      ),
      { numRuns: 30 },
    );
  });
});
