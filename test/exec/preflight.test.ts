// Mistakes on the command line are found before the turn: a clear message, no model request, no
// saved thread. Real keel processes against the local model server.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, httpError, textTurn, turn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { type ExecSetup, KEEL_BIN, keel, setup } from "./support.js";

function nothingHappened(s: ExecSetup): void {
  expect(s.server.modelRequests()).toHaveLength(0);
  expect(fs.existsSync(path.join(s.home, "sessions"))).toBe(false);
}

describe("keel exec -o", () => {
  it("a directory, a missing folder or an unwritable folder: exit 2 before the turn", async () => {
    const s = await setup();
    const dir = tempDir("keel-out-");
    const cases: [string, string][] = [
      [dir, `keel: cannot write the last message to ${dir}: it is a directory\n`],
      [
        path.join(dir, "missing/last.txt"),
        `keel: cannot write the last message to ${dir}/missing/last.txt: the folder ${dir}/missing does not exist\n`,
      ],
      // sysfs refuses new files even to root.
      [
        "/sys/keel-last.txt",
        "keel: cannot write the last message to /sys/keel-last.txt: permission denied\n",
      ],
    ];
    for (const [target, message] of cases) {
      const r = await keel(["exec", "-o", target, "hi"], { cwd: s.repo, env: s.env });
      expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
        code: 2,
        stderr: message,
        stdout: "",
      });
    }
    nothingHappened(s);
  });

  it("the check leaves an existing file as it was and creates no file of its own", async () => {
    const s = await setup();
    const dir = tempDir("keel-out-");
    const existing = path.join(dir, "kept.txt");
    fs.writeFileSync(existing, "before");
    // The turn fails: nothing is written, and the check left no trace.
    s.server.enqueue(httpError(400, "refused by the test"));
    await keel(["exec", "-o", existing, "hi"], { cwd: s.repo, env: s.env });
    expect(fs.readFileSync(existing, "utf8")).toBe("before");
    const fresh = path.join(dir, "fresh.txt");
    await keel(["exec", "-o", fresh, "hi"], { cwd: s.repo, env: s.env });
    expect(fs.existsSync(fresh)).toBe(false);
  });

  it("a write that fails after the turn: the answer still goes to stdout, the error to stderr, exit 1", async () => {
    const s = await setup();
    const target = path.join(s.repo, "out.txt");
    // The turn itself turns the target into a directory, after the check passed.
    s.server.enqueue(
      turn([functionCall("exec_command", { cmd: "mkdir out.txt" }, "call_1")]),
      textTurn("The answer survives."),
    );
    const r = await keel(["exec", "--full-auto", "-o", target, "go"], { cwd: s.repo, env: s.env });
    expect(fs.statSync(target).isDirectory()).toBe(true);
    expect(r.stdout).toBe("The answer survives.\n");
    expect(r.stderr).toContain(`keel: cannot write the last message to ${target}: it is a directory\n`);
    expect(r.code).toBe(1);
  });
});

describe("keel exec --add-dir", () => {
  it("a directory that does not exist, or a file: exit 2 before the turn", async () => {
    const s = await setup();
    const missing = path.join(s.repo, "no-such-dir");
    const r = await keel(["exec", "--full-auto", "--add-dir", "no-such-dir", "hi"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`keel: --add-dir no-such-dir: the directory ${missing} does not exist\n`);
    fs.writeFileSync(path.join(s.repo, "file"), "");
    const file = await keel(["exec", "--add-dir", "file", "hi"], { cwd: s.repo, env: s.env });
    expect(file.code).toBe(2);
    expect(file.stderr).toBe(`keel: --add-dir file: ${path.join(s.repo, "file")} is not a directory\n`);
    nothingHappened(s);
  });
});

/** Runs keel with a prompt argument made of raw bytes (a shell's printf, as a user's terminal would). */
function keelWithRawArgument(s: ExecSetup, octal: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", `exec "$0" exec "$(printf '${octal}')"`, KEEL_BIN], {
      cwd: s.repo,
      env: s.env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject).on("close", (code) => resolve({ code, stderr }));
  });
}

describe("a prompt that is not UTF-8", () => {
  it("from stdin: Codex's message with the offset, exit 1, no request", async () => {
    const s = await setup();
    const r = await keel(["exec", "-"], {
      cwd: s.repo,
      env: s.env,
      stdin: Buffer.from("hi \xff there", "latin1"),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "keel: Failed to read prompt from stdin: input is not valid UTF-8 (invalid byte at offset 3). Convert it to UTF-8 and retry (e.g., `iconv -f <ENC> -t UTF-8 prompt.txt`).\n",
    );
    nothingHappened(s);
  });

  it("as the argument: refused instead of sent with replacement characters", async () => {
    const s = await setup();
    const r = await keelWithRawArgument(s, "hi \\377 there");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^keel: the prompt argument is not valid UTF-8 \(invalid byte at offset 3\)\./);
    nothingHappened(s);
    // A real U+FFFD typed by the user is fine.
    s.server.enqueue(textTurn("ok"));
    const typed = await keel(["exec", "a \uFFFD b"], { cwd: s.repo, env: s.env });
    expect(typed.code).toBe(0);
  });
});
