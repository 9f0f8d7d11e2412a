import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isUserTurnBoundary } from "../../src/rollout/reconstruct.js";
import { loadAgentsMd, userInstructionsText } from "../../src/session/agents-md.js";
import { textTurn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { harness, text } from "./harness.js";

/** The AGENTS.md message of the first model request of a one-turn session. */
async function instructionsMessage(
  configToml: string,
  files: { homeFiles?: Record<string, string>; projectFiles?: Record<string, string> },
  cwd = "",
): Promise<{ message: string | undefined; project: string }> {
  const h = await harness({ configToml, ...files });
  h.server.enqueue(textTurn("ok"));
  const session = await h.manager.start(h.options({ cwd: path.join(h.project, cwd) }));
  await session.submit(text("hi"));
  await session.waitForIdle();
  // Each content item on its own: the AGENTS.md text and <environment_context> share one message.
  const input = h.server.modelRequests()[0]!.body.input as { role?: string; content?: { text?: string }[] }[];
  const texts = input
    .filter((i) => i.role === "user")
    .flatMap((i) => (i.content ?? []).map((c) => c.text ?? ""));
  return { message: texts.find((t) => t.startsWith("# AGENTS.md instructions")), project: h.project };
}

describe("project docs as Codex 0.169 reads them (expected texts captured from its requests)", () => {
  it("override files win, a fallback name serves a directory without AGENTS.md, the budget cuts the last file", async () => {
    const { message, project } = await instructionsMessage(
      'project_doc_max_bytes = 40\nproject_doc_fallback_filenames = ["CLAUDE.md"]',
      {
        homeFiles: { "AGENTS.md": "GLOBAL-AGENTS", "AGENTS.override.md": "GLOBAL-OVERRIDE" },
        projectFiles: {
          "AGENTS.md": "ROOT-AGENTS",
          "AGENTS.override.md": "ROOT-OVERRIDE",
          "sub/CLAUDE.md": "SUB-CLAUDE",
          "sub/deep/AGENTS.md": "DEEP-0123456789-0123456789-0123456789",
        },
      },
      "sub/deep",
    );
    expect(message).toBe(
      `# AGENTS.md instructions for ${project}/sub/deep\n\n<INSTRUCTIONS>\nGLOBAL-OVERRIDE\n\n--- project-doc ---\n\n` +
        "ROOT-OVERRIDE\n\nSUB-CLAUDE\n\nDEEP-0123456789-0\n</INSTRUCTIONS>",
    );
  });

  it("keeps project files verbatim, lets a blank override hide its directory, cuts inside a character as Codex does", async () => {
    const { message, project } = await instructionsMessage(
      'project_doc_max_bytes = 25\nproject_doc_fallback_filenames = ["CLAUDE.md"]',
      {
        // Fallback names are for project directories only.
        homeFiles: { "CLAUDE.md": "HOME-CLAUDE" },
        projectFiles: {
          "AGENTS.override.md": "  \n",
          "AGENTS.md": "ROOT-AGENTS",
          "sub/AGENTS.md": "\n\n  SUB-LEAD-TRAIL  \n\n",
          "sub/deep/AGENTS.md": "ééééé",
        },
      },
      "sub/deep",
    );
    expect(message).toBe(
      `# AGENTS.md instructions for ${project}/sub/deep\n\n<INSTRUCTIONS>\n\n\n  SUB-LEAD-TRAIL  \n\n\n\né\uFFFD\n</INSTRUCTIONS>`,
    );
  });

  it("project_doc_max_bytes = 0 drops the project files; the global file alone gets no directory", async () => {
    const { message } = await instructionsMessage("project_doc_max_bytes = 0", {
      homeFiles: { "AGENTS.override.md": " \n", "AGENTS.md": "HOME-AGENTS\n" },
      projectFiles: { "AGENTS.md": "ROOT-AGENTS" },
    });
    expect(message).toBe("# AGENTS.md instructions\n\n<INSTRUCTIONS>\nHOME-AGENTS\n</INSTRUCTIONS>");
  });

  it("rejects a negative project_doc_max_bytes with the key's name", async () => {
    const h = await harness({ configToml: "project_doc_max_bytes = -1" });
    expect(() => h.options()).toThrow(/project_doc_max_bytes/);
  });

  it("never takes more project bytes than the budget, and what it takes is a prefix of the files in order", async () => {
    const root = tempDir("keel-docs-");
    const home = tempDir("keel-docs-home-");
    fs.mkdirSync(path.join(root, ".git"));
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== "" && !s.includes("\uFFFD")),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        fc.integer({ min: 1, max: 120 }),
        async (contents, budget) => {
          let dir = root;
          fs.rmSync(path.join(root, "d"), { recursive: true, force: true });
          for (const [i, content] of contents.entries()) {
            if (i > 0) dir = path.join(dir, "d");
            fs.mkdirSync(dir, { recursive: true });
            fs.writeFileSync(path.join(dir, "AGENTS.md"), content);
          }
          const result = await loadAgentsMd({ keelHome: home, cwd: dir, maxBytes: budget });
          const taken = result.text ?? "";
          const whole = Buffer.from(contents.join(""));
          const takenBytes = Buffer.from(taken.replaceAll("\n\n", "").replace(/\uFFFD$/, ""));
          expect(takenBytes.length).toBeLessThanOrEqual(budget);
          expect(whole.subarray(0, takenBytes.length).equals(takenBytes)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("the AGENTS.md message in a history", () => {
  it("is context, not a user turn, with or without a directory in its header", () => {
    for (const directory of [null, "/repo"]) {
      const item = {
        type: "message" as const,
        role: "user" as const,
        content: [{ type: "input_text" as const, text: userInstructionsText("rules", directory) }],
      };
      expect(isUserTurnBoundary(item), String(directory)).toBe(false);
    }
  });
});
