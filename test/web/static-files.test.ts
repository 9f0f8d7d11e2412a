import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveStaticPath } from "../../src/app-server/web/static-files.js";
import { tempDir } from "../support/tmp.js";

/** A built page next to a secret, with a symlink inside the page pointing at the secret. */
function layout(): { root: string; secret: string } {
  const base = tempDir("keel-web-static-");
  const root = path.join(base, "web");
  fs.mkdirSync(path.join(root, "assets"), { recursive: true });
  fs.writeFileSync(path.join(root, "index.html"), "<!doctype html>");
  fs.writeFileSync(path.join(root, "assets", "app.js"), "1");
  const secret = path.join(base, "secret.txt");
  fs.writeFileSync(secret, "secret");
  fs.symlinkSync(secret, path.join(root, "assets", "link.js"));
  fs.symlinkSync(base, path.join(root, "up"));
  return { root, secret };
}

describe("resolveStaticPath", () => {
  it("serves files under the root and refuses symlinks that lead out of it", () => {
    const { root } = layout();
    expect(resolveStaticPath(root, "/")).toEqual({ file: path.join(root, "index.html") });
    expect(resolveStaticPath(root, "/assets/app.js")).toEqual({ file: path.join(root, "assets", "app.js") });
    expect(resolveStaticPath(root, "/assets/link.js")).toEqual({ status: 404 });
    expect(resolveStaticPath(root, "/up/secret.txt")).toEqual({ status: 404 });
    expect(resolveStaticPath(root, "/settings")).toEqual({ file: path.join(root, "index.html") });
  });

  it("never resolves to a file outside the root, whatever the request path", () => {
    const { root, secret } = layout();
    const segment = fc.oneof(
      fc.constantFrom(
        "..",
        ".",
        "%2e%2e",
        "%2E.",
        "%2f",
        "%5c",
        "\\",
        "%00",
        "assets",
        "up",
        "secret.txt",
        "link.js",
        "app.js",
        "",
      ),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
        const resolved = resolveStaticPath(root, `/${segments.join("/")}`);
        if ("file" in resolved) {
          expect(resolved.file.startsWith(root + path.sep)).toBe(true);
          expect(fs.realpathSync(resolved.file)).not.toBe(secret);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
