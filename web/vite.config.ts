import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The page is served by `keel web` from dist/web/ on the same origin as the WebSocket; every
// asset is bundled (no CDN). Absolute asset paths, since unknown paths fall back to index.html.
const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "/",
  // Vite 8 transforms JSX with oxc; preact's automatic runtime needs no plugin.
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    // No source maps: the page must not ship more than it needs.
    sourcemap: false,
    target: "es2022",
    reportCompressedSize: true,
  },
});
