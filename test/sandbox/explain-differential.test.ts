import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPermissionsExplain } from "../../src/config/cli-commands.js";
import { hostControlSockets } from "../../src/sandbox/compile-plan.js";
import { keelSandbox, ROOT } from "./cli-support.js";

/**
 * Differential property: for generated permission profiles, `keel permissions explain` and the real
 * sandbox (`keel sandbox` → bwrap) give the same read and write verdict for every probed path —
 * inside and outside the writable roots, under /tmp, protected names, denied files and folders.
 *
 * Truth on the sandbox side is what the host sees: a read counts when the command printed the
 * file's host content, a write when the host file changed. Left out on purpose (documented
 * residual risks of a mount-based sandbox, docs/readme/sandbox.md): deny-glob matches deeper than
 * `glob_scan_max_depth` (the generator keeps the bound above the tree depth) and creating a *new*
 * file whose name matches a deny glob (no missing path here matches one).
 */

type Access = "read" | "write" | "none";

interface Profile {
  kind: "profile";
  /** false: restricted reads (`:minimal` only). */
  rootRead: boolean;
  cwd: "read" | "write";
  out: Access | null;
  slashTmp: Access | null;
  wsFile: Access | null;
  /** Entries on the folder `ws/secrets` and on the file inside it. */
  wsDir: Access | null;
  wsDirFile: Access | null;
  outFile: Access | null;
  wsGlobs: string[];
  outEnvDenied: boolean;
  depth: number | null;
  network: boolean;
  /** `$TMPDIR` points at the /tmp test area (so `:tmpdir` / workspace-write cover it). */
  tmpdirSet: boolean;
  tmpdir: Access | null;
}

interface Legacy {
  kind: "legacy";
  mode: "read-only" | "workspace-write";
  excludeSlashTmp: boolean;
  outWritable: boolean;
  tmpdirSet: boolean;
}

const accessOrNone = fc.option(fc.constantFrom<Access>("read", "write", "none"), { nil: null });

const profileArb: fc.Arbitrary<Profile> = fc.record({
  kind: fc.constant("profile" as const),
  rootRead: fc.boolean(),
  cwd: fc.constantFrom("read" as const, "write" as const),
  out: accessOrNone,
  slashTmp: accessOrNone,
  wsFile: accessOrNone,
  wsDir: accessOrNone,
  wsDirFile: accessOrNone,
  outFile: accessOrNone,
  wsGlobs: fc.subarray(["**/*.env", "**/secrets/**"]),
  outEnvDenied: fc.boolean(),
  depth: fc.constantFrom(null, 4),
  network: fc.boolean(),
  tmpdirSet: fc.boolean(),
  tmpdir: accessOrNone,
});

const legacyArb: fc.Arbitrary<Legacy> = fc.record({
  kind: fc.constant("legacy" as const),
  mode: fc.constantFrom("read-only" as const, "workspace-write" as const),
  excludeSlashTmp: fc.boolean(),
  outWritable: fc.boolean(),
  tmpdirSet: fc.boolean(),
});

interface Fixture {
  base: string;
  ws: string;
  out: string;
  home: string;
  tmp: string;
  /** Existing files: path → host content. */
  files: Map<string, string>;
  /** Paths that do not exist yet (probed for creation only). */
  missing: string[];
  extraEnv: Record<string, string>;
}

let outside: string;
let tmpArea: string;

beforeAll(() => {
  // /var/tmp: outside /tmp, which workspace-write makes writable.
  outside = fs.mkdtempSync("/var/tmp/keel-diff-");
  tmpArea = fs.mkdtempSync("/tmp/keel-diff-");
});
afterAll(() => {
  fs.rmSync(outside, { recursive: true, force: true });
  fs.rmSync(tmpArea, { recursive: true, force: true });
});

let runs = 0;
function fixture(): Fixture {
  const base = path.join(outside, `run-${++runs}`);
  const ws = path.join(base, "ws");
  const out = path.join(base, "out");
  const home = path.join(base, "home");
  const tmp = path.join(tmpArea, `run-${runs}`);
  const files = new Map<string, string>();
  const add = (p: string) => {
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const content = `content of ${p}`;
    fs.writeFileSync(p, content);
    files.set(p, content);
  };
  for (const rel of [
    "a.txt",
    "src/b.txt",
    ".env",
    "d1/x.env",
    "secrets/key",
    ".git/config",
    ".codex/config.toml",
    ".agents/notes.md",
    ".keel/config.toml",
  ])
    add(path.join(ws, rel));
  for (const rel of ["o.txt", "sub/p.env"]) add(path.join(out, rel));
  add(path.join(tmp, "t.txt"));
  fs.mkdirSync(home, { recursive: true });
  const missing = [
    path.join(ws, "new.txt"),
    path.join(ws, "src/new.txt"),
    path.join(ws, "secrets/new.txt"),
    path.join(out, "new.txt"),
    path.join(tmp, "new.txt"),
  ];
  return { base, ws, out, home, tmp, files, missing, extraEnv: {} };
}

const q = JSON.stringify;

/** `[permissions.gen]` for a profile; the flags both commands get. */
function configure(f: Fixture, p: Profile | Legacy): { flags: string[]; explainFlags: object } {
  if (p.tmpdirSet) f.extraEnv.TMPDIR = f.tmp;
  if (p.kind === "legacy") {
    const config = [`sandbox_workspace_write.exclude_slash_tmp=${p.excludeSlashTmp}`];
    if (p.outWritable) config.push(`sandbox_workspace_write.writable_roots=[${q(f.out)}]`);
    return {
      flags: ["--sandbox", p.mode, ...config.flatMap((c) => ["-c", c])],
      explainFlags: { sandbox: p.mode, config },
    };
  }
  const fsKeys: string[] = [p.rootRead ? '":root" = "read"' : '":minimal" = "read"'];
  const set = (key: string, access: Access | null) => {
    if (access !== null) fsKeys.push(`${q(key)} = ${q(access)}`);
  };
  set(":slash_tmp", p.slashTmp);
  set(f.out, p.out);
  set(path.join(f.ws, "src/b.txt"), p.wsFile);
  set(path.join(f.ws, "secrets"), p.wsDir);
  set(path.join(f.ws, "secrets/key"), p.wsDirFile);
  set(":tmpdir", p.tmpdir);
  set(path.join(f.out, "o.txt"), p.outFile);
  if (p.outEnvDenied) fsKeys.push(`${q(`${f.out}/**/*.env`)} = "deny"`);
  if (p.depth !== null) fsKeys.push(`glob_scan_max_depth = ${p.depth}`);
  const toml = [
    "[permissions.gen.filesystem]",
    ...fsKeys,
    '[permissions.gen.filesystem.":workspace_roots"]',
    `"." = ${q(p.cwd)}`,
    ...p.wsGlobs.map((g) => `${q(g)} = "deny"`),
    "[permissions.gen.network]",
    `enabled = ${p.network}`,
    "",
  ].join("\n");
  fs.writeFileSync(path.join(f.home, "config.toml"), toml);
  return { flags: ["--permissions", "gen"], explainFlags: { permissions: "gen" } };
}

/** What `keelSandbox` adds to the environment, for explain; `$TMPDIR` for both. */
function cliEnv(f: Fixture): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: f.home,
    KEEL_HOME: f.home,
    KEEL_SYSTEM_CONFIG_FILE: path.join(f.home, "no-system-config.toml"),
    KEEL_REQUIREMENTS_FILE: path.join(f.home, "no-requirements.toml"),
    ...f.extraEnv,
  };
}

interface Verdict {
  read?: boolean;
  write: boolean;
}

function explainVerdicts(f: Fixture, explainFlags: object): Map<string, Verdict> {
  const verdicts = new Map<string, Verdict>();
  for (const p of [...f.files.keys(), ...f.missing]) {
    let text = "";
    runPermissionsExplain(
      p,
      { ...explainFlags, cd: f.ws, json: true },
      {
        env: cliEnv(f),
        processCwd: f.ws,
        stdout: (t) => {
          text += t;
        },
      },
    );
    const answer = JSON.parse(text) as { read: boolean; write: boolean };
    verdicts.set(p, f.files.has(p) ? { read: answer.read, write: answer.write } : { write: answer.write });
  }
  return verdicts;
}

const PROBE_HELPERS = `r() { if c=$(cat "$2" 2>/dev/null); then printf '%s=%s\\n' "$1" "$c"; else echo "$1=<unreadable>"; fi; }
w() { (printf W >> "$2") 2>/dev/null || true; }`;

async function sandboxVerdicts(f: Fixture, flags: string[]): Promise<Map<string, Verdict>> {
  const existing = [...f.files.keys()];
  // Reads first, then writes: a write must not change what a later read sees.
  const script = [
    PROBE_HELPERS,
    ...existing.map((p, i) => `r r${i} ${q(p)}`),
    ...[...existing, ...f.missing].map((p) => `w - ${q(p)}`),
  ].join("\n");
  const result = await keelSandbox(ROOT, [...flags, "--", "sh", "-c", script], {
    cwd: f.ws,
    home: f.home,
    env: f.extraEnv,
  });
  if (result.status !== 0) throw new Error(`keel sandbox exited ${result.status}: ${result.stderr}`);
  const printed = new Map<string, string>();
  for (const line of result.stdout.split("\n")) {
    const m = /^r(\d+)=(.*)$/.exec(line);
    if (m) printed.set(existing[Number(m[1])]!, m[2]!);
  }
  const verdicts = new Map<string, Verdict>();
  for (const [p, content] of f.files) {
    verdicts.set(p, {
      read: printed.get(p) === content,
      write: fs.readFileSync(p, "utf8") === `${content}W`,
    });
  }
  for (const p of f.missing)
    verdicts.set(p, { write: fs.existsSync(p) && fs.readFileSync(p, "utf8") === "W" });
  return verdicts;
}

const NO_PROFILE_ENTRIES: Profile = {
  kind: "profile",
  rootRead: true,
  cwd: "write",
  out: null,
  slashTmp: null,
  wsFile: null,
  wsDir: null,
  wsDirFile: null,
  outFile: null,
  wsGlobs: [],
  outEnvDenied: false,
  depth: null,
  network: false,
  tmpdirSet: false,
  tmpdir: null,
};

/** Disagreements this property found, kept as fixed examples (run before the random ones). */
const FOUND_BEFORE: [Profile | Legacy][] = [
  // read-only mode: explain said the host /tmp is readable, the sandbox showed a private tmpfs
  [{ kind: "legacy", mode: "read-only", excludeSlashTmp: false, outWritable: false, tmpdirSet: false }],
  // a readable file inside a denied folder (full reads): the sandbox kept it masked
  [{ ...NO_PROFILE_ENTRIES, cwd: "read", out: "none", outFile: "read" }],
  // a readable root below a folder a deny glob masks whole: the sandbox bound it back
  [{ ...NO_PROFILE_ENTRIES, rootRead: false, cwd: "read", wsDirFile: "read", wsGlobs: ["**/secrets/**"] }],
  // a `write` file below a `read` folder in the workspace: explain called it read-only
  [{ ...NO_PROFILE_ENTRIES, rootRead: false, wsDir: "read", wsDirFile: "write" }],
];

describe("permissions explain vs the real sandbox", () => {
  it("agree on reading and writing every probed path (property, real bwrap)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(profileArb, legacyArb), async (profile) => {
        const f = fixture();
        try {
          const { flags, explainFlags } = configure(f, profile);
          let expected: Map<string, Verdict>;
          try {
            expected = explainVerdicts(f, explainFlags);
          } catch (error) {
            // A profile the configuration refuses: the sandbox must refuse it too, for the same reason.
            const refused = await keelSandbox(ROOT, [...flags, "--", "true"], {
              cwd: f.ws,
              home: f.home,
              env: f.extraEnv,
            });
            expect(refused.status).toBe(125);
            expect(refused.stderr).toContain((error as Error).message);
            return;
          }
          const actual = await sandboxVerdicts(f, flags);
          const disagreements = [...expected].flatMap(([p, e]) => {
            const a = actual.get(p)!;
            return e.read !== a.read || e.write !== a.write ? [`${p}: explain ${q(e)}, sandbox ${q(a)}`] : [];
          });
          const toml = path.join(f.home, "config.toml");
          const shown = `${q(profile)}\n${fs.existsSync(toml) ? fs.readFileSync(toml, "utf8") : ""}`;
          expect(disagreements, shown).toEqual([]);
        } finally {
          fs.rmSync(f.base, { recursive: true, force: true });
          fs.rmSync(f.tmp, { recursive: true, force: true });
        }
      }),
      { numRuns: 30, examples: FOUND_BEFORE },
    );
  }, 120_000);

  const uid = process.getuid?.();
  const sockets = hostControlSockets(uid);
  it.skipIf(sockets.length === 0)(
    "agree on the host control sockets the sandbox hides while the network is on",
    async () => {
      for (const network of [true, false]) {
        const f = fixture();
        try {
          fs.writeFileSync(
            path.join(f.home, "config.toml"),
            `[permissions.gen.filesystem]\n":root" = "read"\n":slash_tmp" = "write"\n` +
              `[permissions.gen.filesystem.":workspace_roots"]\n"." = "write"\n` +
              `[permissions.gen.network]\nenabled = ${network}\n`,
          );
          const probes = sockets.map((p, i) =>
            fs.statSync(p).isDirectory()
              ? `ls ${q(p)} >/dev/null 2>&1 && echo s${i}=ok`
              : `test -S ${q(p)} && echo s${i}=ok`,
          );
          const result = await keelSandbox(
            ROOT,
            ["--permissions", "gen", "--", "sh", "-c", `${probes.join("\n")}\ntrue`],
            { cwd: f.ws, home: f.home },
          );
          expect(result.status).toBe(0);
          sockets.forEach((p, i) => {
            let text = "";
            runPermissionsExplain(
              p,
              { permissions: "gen", cd: f.ws, json: true },
              {
                env: cliEnv(f),
                processCwd: f.ws,
                uid,
                stdout: (t) => {
                  text += t;
                },
              },
            );
            const explained = JSON.parse(text) as { read: boolean };
            expect({ p, network, read: explained.read }).toEqual({
              p,
              network,
              read: result.stdout.includes(`s${i}=ok`),
            });
            expect(explained.read).toBe(!network);
          });
        } finally {
          fs.rmSync(f.base, { recursive: true, force: true });
          fs.rmSync(f.tmp, { recursive: true, force: true });
        }
      }
    },
  );
});
