import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUILTIN_MODEL_CATALOG, modelCatalogFromJson } from "../../src/model/catalog/catalog.js";
import { unknownModelInfo } from "../../src/model/catalog/model-info.js";

const catalog = BUILTIN_MODEL_CATALOG;

describe("the built-in model catalog", () => {
  it("holds Codex 0.169's facts for gpt-5.5", () => {
    expect(catalog.resolve("gpt-5.5")).toMatchObject({
      slug: "gpt-5.5",
      displayName: "GPT-5.5",
      known: true,
      shellType: "shell_command",
      applyPatchToolType: "freeform",
      inputModalities: ["text", "image"],
      supportsParallelToolCalls: true,
      contextWindow: 272_000,
      autoCompactTokenLimit: null,
      truncationPolicy: { mode: "tokens", limit: 10_000 },
      defaultReasoningEffort: "medium",
      supportsReasoningSummaries: true,
      defaultReasoningSummary: "none",
      supportsVerbosity: true,
      defaultVerbosity: "low",
      hidden: false,
      upgrade: "gpt-6-sol",
    });
  });

  it("lists every model once, in priority order, hidden ones marked", () => {
    const list = catalog.list();
    expect(new Set(list.map((m) => m.slug)).size).toBe(list.length);
    expect(list.map((m) => m.priority)).toEqual([...list.map((m) => m.priority)].sort((a, b) => a - b));
    expect(list.filter((m) => m.hidden).map((m) => m.slug)).toEqual([
      "gpt-daybreak-blue-latest",
      "gpt-daybreak-red-latest",
      "codex-auto-review",
    ]);
  });

  it("gives a name that extends a listed slug that model's facts under its own name (Codex)", () => {
    const mini = catalog.resolve("gpt-5.5-mini");
    expect(mini).toEqual({
      ...catalog.resolve("gpt-5.5"),
      slug: "gpt-5.5-mini",
      displayName: "gpt-5.5-mini",
    });
  });

  it("uses keel's families for other names of known lines, else the unknown-model defaults", () => {
    expect(catalog.resolve("gpt-5.9")).toMatchObject({
      known: false,
      applyPatchToolType: "freeform",
      defaultReasoningEffort: "medium",
      supportsVerbosity: true,
    });
    expect(catalog.resolve("o3")).toMatchObject({
      known: false,
      applyPatchToolType: "function",
      defaultReasoningSummary: "auto",
      supportsVerbosity: false,
    });
    expect(catalog.resolve("my-custom-model")).toEqual(unknownModelInfo("my-custom-model"));
  });

  it("resolves any name to facts under that name, the same way each time", () => {
    fc.assert(
      fc.property(fc.string(), (slug) => {
        const info = catalog.resolve(slug);
        expect(info.slug).toBe(slug);
        expect(catalog.resolve(slug)).toEqual(info);
      }),
    );
  });
});

describe("model_catalog_json documents", () => {
  it("replace the built-in models; unlisted names still get families or defaults", () => {
    const custom = modelCatalogFromJson({
      models: [{ slug: "house", context_window: 1000, shell_type: "default" }],
    });
    expect(custom.list().map((m) => m.slug)).toEqual(["house"]);
    expect(custom.resolve("house")).toMatchObject({ known: true, contextWindow: 1000, shellType: "default" });
    expect(custom.resolve("gpt-5.5").known).toBe(false);
    expect(custom.resolve("elsewhere")).toEqual(unknownModelInfo("elsewhere"));
  });

  it("name the first bad field", () => {
    expect(() => modelCatalogFromJson({ models: [{ slug: "x", shell_type: "zsh" }] })).toThrow(
      /^not a model catalog at models\.0\.shell_type: /,
    );
    expect(() => modelCatalogFromJson([])).toThrow(/^not a model catalog: /);
  });
});
