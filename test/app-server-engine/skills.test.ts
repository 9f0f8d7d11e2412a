import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { textTurn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { buildSkillTree, instructionsFixture, listFixture, type SkillTree } from "../skills/tree.js";
import {
  type Fixture,
  fixture,
  inProcessServer,
  type Message,
  type Peer,
  stdioServer,
  text,
  turnCompleted,
} from "./support.js";

/** Skills through the app-server and the model requests (spec skills.md §4–§7). */

interface SkillsFixture {
  fx: Fixture;
  tree: SkillTree;
}

/** The engine fixture moved onto the §7 skill tree: KEEL_HOME, HOME and the workspace. */
async function skillsFixture(extraToml = ""): Promise<SkillsFixture> {
  const fx = await fixture({ extraToml });
  const tree = buildSkillTree();
  fs.copyFileSync(path.join(fx.home, "config.toml"), path.join(tree.keelHome, "config.toml"));
  fx.home = tree.keelHome;
  fx.workspace = tree.workspace;
  Object.assign(fx.env, { KEEL_HOME: tree.keelHome, HOME: tree.userHome });
  fx.env.KEEL_SYSTEM_CONFIG_FILE = path.join(tree.run, "etc", "config.toml");
  return { fx, tree };
}

async function connect(sf: SkillsFixture): Promise<Peer> {
  const { connect } = inProcessServer(sf.fx);
  const peer = connect();
  await peer.initialize();
  return peer;
}

async function startThread(peer: Peer, cwd: string): Promise<string> {
  const result = await peer.request("thread/start", { cwd });
  await peer.notification("thread/started");
  return result.thread.id as string;
}

/** Runs one turn; returns the model request it made. */
async function runTurn(sf: SkillsFixture, peer: Peer, threadId: string, input: unknown[]): Promise<Message> {
  const before = sf.fx.model.modelRequests().length;
  sf.fx.model.enqueue(textTurn("ok"));
  const { turn } = await peer.request("turn/start", { threadId, input });
  await turnCompleted(peer, turn.id);
  return sf.fx.model.modelRequests()[before]!.body as Message;
}

type InputMessage = { type: string; role?: string; content?: { text?: string }[] };
const messages = (body: Message, role: string): string[][] =>
  (body.input as InputMessage[])
    .filter((i) => i.type === "message" && i.role === role)
    .map((m) => (m.content ?? []).map((c) => c.text ?? ""));
const skillMessages = (body: Message) =>
  messages(body, "user")
    .flat()
    .filter((t) => t.startsWith("<skill>\n"));
const skillsBlock = (body: Message) =>
  messages(body, "developer")
    .flat()
    .find((t) => t.startsWith("<skills_instructions>"));

const injected = (file: string, name: string) =>
  `<skill>\n<name>${name}</name>\n<path>${file}</path>\n${fs.readFileSync(file, "utf8")}\n</skill>`;

describe("skills over the app-server", () => {
  it("skills/list for the capture's cwd equals Codex's reply, errors included (§7.1, §7.2)", async () => {
    const sf = await skillsFixture();
    const peer = await connect(sf);
    const result = await peer.request("skills/list", { cwds: [sf.tree.cwd] });
    const expected = JSON.parse(sf.tree.expand(JSON.stringify(listFixture().result)));
    expect(JSON.stringify(result)).toBe(JSON.stringify(expected));
  });

  it("the first request's developer message starts with the captured skills list (§4, §7.3)", async () => {
    const sf = await skillsFixture();
    const peer = await connect(sf);
    const threadId = await startThread(peer, sf.tree.cwd);
    const body = await runTurn(sf, peer, threadId, text("hello"));
    const developer = messages(body, "developer");
    // As in Codex: the 2nd developer message (after the base instructions) leads with the list.
    expect(developer).toHaveLength(2);
    expect(developer[1]![0]!.startsWith("<skills_instructions>")).toBe(true);
    expect(developer[1]![1]).toMatch(/^<permissions_instructions>/);
    // The captured text up to the list's end, byte for byte; keel's own guidance follows.
    const captured = sf.tree.expand(instructionsFixture()).replace(/<\/skills_instructions>$/, "");
    const block = developer[1]![0]!;
    expect(block.startsWith(captured)).toBe(true);
    expect(block.slice(captured.length)).toMatch(/^### How to use skills\n[\s\S]*\n<\/skills_instructions>$/);
    expect(block).not.toContain("reposkill");
    expect(block).toContain(`- longdesc: ${"y".repeat(1021)}... (file: r4/bad-longdesc/SKILL.md)`);
  });

  it("injects `$name` mentions and skill items as <skill> user messages in mention order (§5, §7.4)", async () => {
    const sf = await skillsFixture();
    const peer = await connect(sf);
    const threadId = await startThread(peer, sf.tree.cwd);
    const repo = path.join(sf.tree.workspace, ".agents/skills/reposkill/SKILL.md");
    const user = path.join(sf.tree.keelHome, "skills/userskill/SKILL.md");
    const input = [
      ...text("please $reposkill and $userskill now"),
      { type: "skill", name: "reposkill", path: repo },
    ];
    const body = await runTurn(sf, peer, threadId, input);
    expect(skillMessages(body)).toEqual([injected(repo, "reposkill"), injected(user, "userskill")]);
    // They follow the user's own message, which carries the text only.
    const users = messages(body, "user");
    expect(users.at(-3)).toEqual(["please $reposkill and $userskill now"]);
    // The next turn does not repeat them.
    const next = await runTurn(sf, peer, threadId, text("thanks"));
    expect(skillMessages(next)).toHaveLength(2);
  });

  it("an ambiguous `$dupe` injects nothing; a skill item picks one of the duplicates (§7.5)", async () => {
    const sf = await skillsFixture();
    const peer = await connect(sf);
    const threadId = await startThread(peer, sf.tree.cwd);
    expect(skillMessages(await runTurn(sf, peer, threadId, text("use $dupe")))).toEqual([]);
    const userDupe = path.join(sf.tree.keelHome, "skills/dupe/SKILL.md");
    const body = await runTurn(sf, peer, threadId, [{ type: "skill", name: "dupe", path: userDupe }]);
    expect(skillMessages(body).slice(-1)).toEqual([injected(userDupe, "dupe")]);
  });

  it("skills/config/write disables a skill everywhere and appends to config.toml (§7.6)", async () => {
    const sf = await skillsFixture();
    const alpha = path.join(sf.tree.keelHome, "skills/alpha/SKILL.md");
    fs.mkdirSync(path.dirname(alpha), { recursive: true });
    fs.writeFileSync(alpha, "---\nname: alpha\ndescription: the alpha skill\n---\nalpha body\n");
    const peer = await connect(sf);
    const before = (await peer.request("skills/list", { cwds: [sf.tree.cwd] })).data[0].skills;
    expect(before.find((s: Message) => s.name === "alpha").enabled).toBe(true);
    const configBefore = fs.readFileSync(path.join(sf.tree.keelHome, "config.toml"), "utf8");

    expect(await peer.request("skills/config/write", { name: "alpha", enabled: false })).toEqual({
      effectiveEnabled: false,
    });
    const config = fs.readFileSync(path.join(sf.tree.keelHome, "config.toml"), "utf8");
    expect(config).toBe(`${configBefore}\n[[skills.config]]\nname = "alpha"\nenabled = false\n`);
    const after = (await peer.request("skills/list", { cwds: [sf.tree.cwd] })).data[0].skills;
    expect(after.find((s: Message) => s.name === "alpha").enabled).toBe(false);

    const threadId = await startThread(peer, sf.tree.cwd);
    const body = await runTurn(sf, peer, threadId, text("try $alpha and $homeskill"));
    expect(skillsBlock(body)).not.toContain("alpha");
    expect(skillsBlock(body)).toContain("- homeskill:");
    expect(skillMessages(body).map((m) => m.split("\n")[1])).toEqual(["<name>homeskill</name>"]);
  });

  it("include_instructions = false drops the list but not explicit mentions (§7.7)", async () => {
    const sf = await skillsFixture("\n[skills]\ninclude_instructions = false\n");
    const peer = await connect(sf);
    const threadId = await startThread(peer, sf.tree.cwd);
    const body = await runTurn(sf, peer, threadId, text("$homeskill please"));
    expect(skillsBlock(body)).toBeUndefined();
    expect(JSON.stringify(body.input)).not.toContain("<skills_instructions>");
    expect(skillMessages(body)).toHaveLength(1);
  });

  it("[skills.bundled] enabled = false hides the system skills (§7.7)", async () => {
    const sf = await skillsFixture("\n[skills.bundled]\nenabled = false\n");
    const peer = await connect(sf);
    const skills = (await peer.request("skills/list", { cwds: [sf.tree.cwd] })).data[0].skills as Message[];
    expect(skills.filter((s) => s.scope === "system")).toEqual([]);
    expect(skills.length).toBe(listFixture().result.data[0].skills.length - 5);
  });

  it("extra roots are listed as user skills and announced with skills/changed (§7.8)", async () => {
    const sf = await skillsFixture();
    const peer = await connect(sf);
    const extra = tempDir("keel-skills-extra-");
    fs.mkdirSync(path.join(extra, "extraskill"));
    fs.writeFileSync(path.join(extra, "extraskill/SKILL.md"), "---\ndescription: from an extra root\n---\n");
    await peer.request("skills/list", { cwds: [sf.tree.cwd] });
    expect(await peer.request("skills/extraRoots/set", { extraRoots: [extra] })).toEqual({});
    await peer.notification("skills/changed");
    const skills = (await peer.request("skills/list", { cwds: [sf.tree.cwd] })).data[0].skills as Message[];
    expect(skills.find((s) => s.name === "extraskill")).toMatchObject({
      scope: "user",
      path: path.join(extra, "extraskill/SKILL.md"),
    });
  });

  it("editing a user SKILL.md after thread start sends skills/changed and refreshes the cache (§6, §7.8)", async () => {
    const sf = await skillsFixture();
    const peer = await connect(sf);
    await startThread(peer, sf.tree.cwd);
    const file = path.join(sf.tree.keelHome, "skills/userskill/SKILL.md");
    fs.writeFileSync(file, "---\nname: userskill\ndescription: edited description\n---\n");
    await peer.notification("skills/changed");
    const skills = (await peer.request("skills/list", { cwds: [sf.tree.cwd] })).data[0].skills as Message[];
    expect(skills.find((s) => s.name === "userskill")?.description).toBe("edited description");
  });

  it("a SKILL.md created mid-thread is offered in the next turn (§4, §7.8)", async () => {
    const sf = await skillsFixture();
    const peer = await connect(sf);
    const threadId = await startThread(peer, sf.tree.cwd);
    const first = await runTurn(sf, peer, threadId, text("one"));
    expect(skillsBlock(first)).not.toContain("latecomer");
    const file = path.join(sf.tree.workspace, ".agents/skills/latecomer/SKILL.md");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "---\ndescription: arrived late\n---\n");
    const second = await runTurn(sf, peer, threadId, text("two"));
    const blocks = messages(second, "developer")
      .flat()
      .filter((t) => t.startsWith("<skills_instructions>"));
    expect(blocks).toHaveLength(2);
    expect(blocks[1]).toContain("- latecomer: arrived late (file: r4/latecomer/SKILL.md)");
  });

  it("the stdio server exits on end of input with the skills watcher running", async () => {
    const sf = await skillsFixture();
    const { peer, exited } = stdioServer(sf.fx);
    await peer.initialize();
    await startThread(peer, sf.tree.cwd);
    peer.close();
    expect(await exited).toBe(0);
  });
});
