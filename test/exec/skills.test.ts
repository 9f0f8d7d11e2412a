import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { textTurn } from "../support/model-server.js";
import { keel, setup, userTexts } from "./support.js";

describe("skills in keel exec", () => {
  it("a `$name` mention hands the skill's SKILL.md to the model, and the list names it", async () => {
    const s = await setup();
    const file = path.join(s.repo, ".agents", "skills", "greeter", "SKILL.md");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const contents = "---\nname: greeter\ndescription: Greets people politely\n---\nSay hello twice.\n";
    fs.writeFileSync(file, contents);
    s.server.enqueue(textTurn("hello hello"));
    const run = await keel(["exec", "use $greeter on me"], {
      cwd: s.repo,
      env: { ...s.env, KEEL_SYSTEM_CONFIG_FILE: path.join(s.home, "none", "config.toml") },
    });
    expect(run.code, run.stderr).toBe(0);
    const body = s.server.modelRequests()[0]!.body;
    const texts = userTexts(body);
    expect(texts.slice(-2)).toEqual([
      "use $greeter on me",
      `<skill>\n<name>greeter</name>\n<path>${file}</path>\n${contents}\n</skill>`,
    ]);
    expect(JSON.stringify(body.input)).toContain(
      "- greeter: Greets people politely (file: r0/greeter/SKILL.md)",
    );
  });
});
