// An esbuild plugin for keel's builds (scripts/bundle.mjs, scripts/snapshot.mjs): zod's namespace
// export `z.locales` pulls its 60-odd message locales (about a quarter of the bundle) into any
// bundle that imports `z`. keel reports errors in English only and never reads `z.locales`, so
// the barrel module is replaced by one that exports English alone — less code to parse at start-up
// and a smaller start-up snapshot. English messages come from zod's own `en` locale as before.
export const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir)
        ? { path: "zod-locales", namespace: "zod-english-only", pluginData: args.resolveDir }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-english-only" }, (args) => ({
      contents: 'export { default as en } from "../locales/en.js";\n',
      resolveDir: args.pluginData,
      loader: "js",
    }));
  },
};
