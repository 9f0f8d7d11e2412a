import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { addMcpServer } from "../../src/config/mcp-edit.js";
import { setProjectTrust } from "../../src/config/project-trust.js";
import { tempDir } from "../support/tmp.js";

/** Every config editor writes through a symlinked config.toml to its target, keeping the link. */
describe("config edits through a symlinked config.toml", () => {
  it("keel mcp add and project trust keep the link and update its target", () => {
    const home = tempDir("keel-home-");
    const dotfiles = tempDir("dotfiles-");
    const target = path.join(dotfiles, "keel.toml");
    fs.writeFileSync(target, '# mine\nmodel = "kept"\n');
    const link = path.join(home, "config.toml");
    fs.symlinkSync(target, link);

    addMcpServer(home, "docs", { command: "docs-mcp", args: [], env: null });
    setProjectTrust(home, "/work/project", "trusted");

    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    const text = fs.readFileSync(target, "utf8");
    expect(text).toContain('model = "kept"');
    expect(text).toContain("[mcp_servers.docs]");
    expect(text).toContain('trust_level = "trusted"');
    expect(fs.readdirSync(home).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
