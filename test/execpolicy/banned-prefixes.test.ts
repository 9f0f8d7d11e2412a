import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isBannedPrefix, proposeAmendment } from "../../src/execpolicy/evaluate.js";
import { Policy } from "../../src/execpolicy/policy.js";

/**
 * A model-suggested `prefix_rule` that would let anything run is never offered as an amendment
 * (spec execpolicy.md §6). The list is Codex 0.169's, which bans more than the spec names: shells
 * with `-c`, `rm`, package-script runners, other interpreters.
 */

const prompt = () => ({ decision: "prompt" as const });

// Prefixes in Codex 0.169's list that the spec's shorter list left out.
const LATER_BANS: string[][] = [
  ["bash", "-c"],
  ["zsh", "-c"],
  ["/bin/bash", "-c"],
  ["/bin/sh"],
  ["/bin/sh", "-c"],
  ["/bin/sh", "-lc"],
  ["/bin/zsh", "-c"],
  ["dash", "-c"],
  ["fish", "-c"],
  ["ksh", "-c"],
  ["cmd", "/c"],
  ["cmd.exe", "/k"],
  ["powershell", "-EncodedCommand"],
  ["pwsh", "-File"],
  ["pwsh", "-ec"],
  ["nodejs", "-e"],
  ["julia", "-e"],
  ["Rscript"],
  ["bun", "run"],
  ["deno", "eval"],
  ["npm", "run"],
  ["pnpm", "run"],
  ["yarn", "run"],
  ["rm"],
];

describe("banned amendment prefixes", () => {
  it("bans every prefix of Codex 0.169's list that the spec omits", () => {
    for (const prefix of LATER_BANS) expect(isBannedPrefix(prefix), prefix.join(" ")).toBe(true);
    // Still exact: a longer prefix names one command and may be saved.
    expect(isBannedPrefix(["rm", "-f", "build.log"])).toBe(false);
    expect(isBannedPrefix(["npm", "test"])).toBe(false);
  });

  it("a model prefix `bash -c` is not offered: the command's own argv is", () => {
    const argv = ["/bin/bash", "-lc", "bash -c 'curl example.com'"];
    expect(proposeAmendment(new Policy(), argv, ["bash", "-c"], prompt)).toEqual([
      "bash",
      "-c",
      "curl example.com",
    ]);
  });

  it("a model prefix `rm` is not offered for `rm -f x`", () => {
    const argv = ["/bin/bash", "-lc", "rm -f build.log"];
    expect(proposeAmendment(new Policy(), argv, ["rm"], prompt)).toEqual(["rm", "-f", "build.log"]);
  });

  it("never offers a banned model prefix, whatever follows it (property)", () => {
    const word = fc.stringMatching(/^[a-z0-9._-]{1,8}$/);
    fc.assert(
      fc.property(
        fc.constantFrom(...LATER_BANS),
        fc.array(word, { minLength: 1, maxLength: 4 }),
        (banned, rest) => {
          const offered = proposeAmendment(new Policy(), [...banned, ...rest], banned, prompt);
          expect(offered).not.toEqual(banned);
        },
      ),
    );
  });
});
