import { defineConfig } from "vite";

// The page is built into dist/web, which `keel web` serves; everything is bundled (no CDN).
export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  build: {
    outDir: "../dist/web",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
  },
});
