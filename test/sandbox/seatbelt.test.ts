import { describe, expect, it } from "vitest";
import {
  buildSeatbeltCommand,
  buildSeatbeltProfile,
  denyGlobRegexes,
} from "../../src/sandbox/macos/seatbelt.js";
import type { SandboxPlan } from "../../src/sandbox/plan.js";

const identity = (p: string) => p;
// What macOS does to its well-known links.
const macCanon = (p: string) => p.replace(/^\/(tmp|var)(?=\/|$)/, "/private/$1");

function plan(extra: Partial<SandboxPlan> = {}): SandboxPlan {
  return {
    cwd: "/Users/me/repo",
    read: { kind: "full" },
    write: { kind: "roots", roots: [] },
    denyRead: { paths: [], readableInside: [], globs: [], globScanMaxDepth: null },
    network: "restricted",
    hiddenHostSockets: [],
    ...extra,
  };
}

describe("Seatbelt profile", () => {
  it("read-only: default deny, full reads, no writes, no network, no parameters", () => {
    const { profile, params } = buildSeatbeltProfile(plan(), identity);
    expect(profile.startsWith("(version 1)\n(deny default)\n")).toBe(true);
    expect(profile).toContain("(allow file-read*)\n");
    expect(profile).not.toContain("file-write*\n");
    expect(profile).not.toMatch(/\(allow file-write\*/);
    expect(profile).not.toContain("network-outbound");
    expect(params).toEqual([]);
  });

  it("workspace-write with /tmp and $TMPDIR: one canonical parameter per root", () => {
    const { profile, params } = buildSeatbeltProfile(
      plan({
        write: {
          kind: "roots",
          roots: [
            { root: "/Users/me/repo", readOnlySubpaths: [] },
            { root: "/tmp", readOnlySubpaths: [] },
            { root: "/var/folders/xy/T", readOnlySubpaths: [] },
          ],
        },
      }),
      macCanon,
    );
    expect(params).toEqual([
      ["WRITABLE_ROOT_0", "/Users/me/repo"],
      ["WRITABLE_ROOT_1", "/private/tmp"],
      ["WRITABLE_ROOT_2", "/private/var/folders/xy/T"],
    ]);
    expect(profile).toContain('(allow file-write* (subpath (param "WRITABLE_ROOT_0")))');
    expect(profile).toContain('(allow file-write* (subpath (param "WRITABLE_ROOT_1")))');
    expect(profile).toContain('(allow file-write* (subpath (param "WRITABLE_ROOT_2")))');
    expect(profile).not.toContain("/Users/me/repo"); // paths only travel as -D parameters
  });

  it("protected .git and .codex: literal and subpath exclusions", () => {
    const { profile, params } = buildSeatbeltProfile(
      plan({
        write: {
          kind: "roots",
          roots: [
            { root: "/Users/me/repo", readOnlySubpaths: ["/Users/me/repo/.git", "/Users/me/repo/.codex"] },
          ],
        },
      }),
      identity,
    );
    expect(params).toEqual([
      ["WRITABLE_ROOT_0", "/Users/me/repo"],
      ["WRITABLE_ROOT_0_EXCLUDED_0", "/Users/me/repo/.git"],
      ["WRITABLE_ROOT_0_EXCLUDED_1", "/Users/me/repo/.codex"],
    ]);
    expect(profile).toContain(
      [
        "(allow file-write*",
        '  (require-all (subpath (param "WRITABLE_ROOT_0"))',
        '    (require-not (literal (param "WRITABLE_ROOT_0_EXCLUDED_0")))',
        '    (require-not (subpath (param "WRITABLE_ROOT_0_EXCLUDED_0")))',
        '    (require-not (literal (param "WRITABLE_ROOT_0_EXCLUDED_1")))',
        '    (require-not (subpath (param "WRITABLE_ROOT_0_EXCLUDED_1")))))',
      ].join("\n"),
    );
  });

  it("restricted reads: listed roots, platform defaults only when asked", () => {
    const restricted = (includePlatformDefaults: boolean) =>
      buildSeatbeltProfile(
        plan({
          read: { kind: "restricted", roots: ["/Users/me/repo", "/opt/sdk"], includePlatformDefaults },
        }),
        identity,
      );
    const withDefaults = restricted(true);
    expect(withDefaults.params).toEqual([
      ["READABLE_ROOT_0", "/Users/me/repo"],
      ["READABLE_ROOT_1", "/opt/sdk"],
    ]);
    expect(withDefaults.profile).toContain(
      '(allow file-read*\n  (subpath (param "READABLE_ROOT_0"))\n  (subpath (param "READABLE_ROOT_1")))',
    );
    expect(withDefaults.profile).toContain('(subpath "/System")');
    expect(withDefaults.profile).not.toContain("(allow file-read*)\n");
    expect(restricted(false).profile).not.toContain('(subpath "/System")');
  });

  it("deny of an exact path: reads and writes of the path and below", () => {
    const { profile, params } = buildSeatbeltProfile(
      plan({ denyRead: { paths: ["/tmp/secret"], readableInside: [], globs: [], globScanMaxDepth: null } }),
      macCanon,
    );
    expect(params).toEqual([["DENIED_PATH_0", "/private/tmp/secret"]]);
    expect(profile).toContain(
      '(deny file-read* file-write* (literal (param "DENIED_PATH_0")) (subpath (param "DENIED_PATH_0")))',
    );
    // deny rules come after the allow rules they restrict
    expect(profile.indexOf("(deny file-read*")).toBeGreaterThan(profile.indexOf("(allow file-read*)"));
  });

  it("a readable entry inside a denied path is allowed again, but deny globs still win inside it", () => {
    const denyRead = {
      paths: ["/Users/me/secrets"],
      readableInside: ["/Users/me/secrets/public"],
      globs: ["/Users/me/**/*.pem"],
      globScanMaxDepth: null,
    };
    const { profile, params } = buildSeatbeltProfile(plan({ denyRead }), identity);
    expect(params).toContainEqual(["READABLE_INSIDE_DENIED_0", "/Users/me/secrets/public"]);
    const allowAgain = profile.indexOf('(allow file-read* (literal (param "READABLE_INSIDE_DENIED_0"))');
    expect(allowAgain).toBeGreaterThan(profile.indexOf('(param "DENIED_PATH_0")'));
    expect(allowAgain).toBeLessThan(profile.indexOf("(deny file-read* (regex"));
  });

  it.each([
    ["/Users/me/repo/**/*.env", ["^/Users/me/repo/(.*/)?[^/]*\\.env$"]],
    ["/r/*/file[0-9]?.txt", ["^/r/[^/]*/file[0-9][^/]\\.txt$"]],
    ["/r/[", ["^/r/\\[$"]],
    ["/r/plain", ["^/r/plain(/.*)?$"]],
    ["/tmp/**/*.pem", ["^/tmp/(.*/)?[^/]*\\.pem$", "^/private/tmp/(.*/)?[^/]*\\.pem$"]],
  ])("deny glob %s becomes anchored regexes", (glob, regexes) => {
    expect(denyGlobRegexes(glob, macCanon)).toEqual(regexes);
    const { profile } = buildSeatbeltProfile(
      plan({ denyRead: { paths: [], readableInside: [], globs: [glob], globScanMaxDepth: 2 } }),
      macCanon,
    );
    for (const regex of regexes) {
      expect(profile).toContain(`(deny file-read* (regex #"${regex}"))`);
      expect(profile).toContain(`(deny file-write-unlink (regex #"${regex}"))`);
    }
  });

  it("network: nothing when off, outbound and inbound when on", () => {
    expect(buildSeatbeltProfile(plan(), identity).profile).not.toContain("(allow network");
    const on = buildSeatbeltProfile(plan({ network: "enabled" }), identity).profile;
    expect(on).toContain("(allow network-outbound)");
    expect(on).toContain("(allow network-inbound)");
    expect(on).toContain('(global-name "com.apple.SystemConfiguration.configd")');
  });

  it("runs /usr/bin/sandbox-exec with -p, -D parameters, --, the command", () => {
    const cmd = buildSeatbeltCommand(
      plan({ write: { kind: "roots", roots: [{ root: "/Users/me/repo", readOnlySubpaths: [] }] } }),
      ["ls", "-la"],
      identity,
    );
    expect(cmd.file).toBe("/usr/bin/sandbox-exec");
    expect(cmd.args[0]).toBe("-p");
    expect(cmd.args.slice(2)).toEqual(["-DWRITABLE_ROOT_0=/Users/me/repo", "--", "ls", "-la"]);
  });
});
