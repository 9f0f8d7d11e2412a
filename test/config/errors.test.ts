import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { world, write } from "./helpers.js";

describe("configuration errors", () => {
  it("names file, line and column for a TOML syntax error", () => {
    const w = world();
    w.user('model = "a"\napproval_policy = \n');
    expect(() => w.load()).toThrow(new ConfigError(`${w.userConfig}:2:19: TOML syntax error: invalid value`));
  });

  it("lists the allowed values, the key and the file for an unknown enum value", () => {
    const w = world();
    write(w.system, 'sandbox_mode = "full"\n');
    expect(() => w.load()).toThrow(
      `${w.system}:1:1: unknown value \`full\` for \`sandbox_mode\`; expected one of \`read-only\`, \`workspace-write\`, \`danger-full-access\``,
    );
    w.user('[profiles.x]\nmodel_reasoning_effort = "maximal"\n');
    expect(() => w.load({ systemConfigFile: `${w.root}/none` })).toThrow(
      `${w.userConfig}:2:1: unknown value \`maximal\` for \`profiles.x.model_reasoning_effort\`; expected one of \`none\`, \`minimal\`, \`low\`, \`medium\`, \`high\`, \`xhigh\`, \`max\`, \`ultra\``,
    );
    expect(() =>
      w.load({ systemConfigFile: `${w.root}/none`, cliOverrides: ["approval_policy=sometimes"] }),
    ).toThrow(
      "-c override: unknown value `sometimes` for `approval_policy`; expected one of `untrusted`, `on-failure`, `on-request`, `never`, a table",
    );
  });

  it("reports wrong types with the key path", () => {
    const w = world();
    w.user('model_context_window = "big"\n');
    expect(() => w.load()).toThrow(`${w.userConfig}:1:1: invalid value for \`model_context_window\`:`);
  });
});
