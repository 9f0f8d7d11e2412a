import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { fixture, type Peer, stdioServer, wsServer } from "./support.js";

/** command/exec over stdio: the spec's errors (unified-exec.md §6), limits, env, sandbox, streaming. */

async function server(sandbox = "workspace-write") {
  const fx = await fixture({ topLevel: { sandbox_mode: sandbox } });
  const { peer, child } = stdioServer(fx);
  await peer.initialize();
  return { fx, peer, child };
}

const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
const deltas = (peer: Peer, processId: string, stream: string) =>
  peer.received
    .filter((m) => m.method === "command/exec/outputDelta" && m.params.processId === processId)
    .filter((m) => m.params.stream === stream)
    .map((m) => decode(m.params.deltaBase64))
    .join("");

describe("command/exec", () => {
  it("answers the spec's errors with their codes and texts", async () => {
    const { peer } = await server();
    const cases: [unknown, number, string][] = [
      [{ command: [] }, -32600, "command must not be empty"],
      [
        { command: ["cat"], tty: true },
        -32600,
        "command/exec tty or streaming requires a client-supplied processId",
      ],
      [
        { command: ["cat"], streamStdoutStderr: true },
        -32600,
        "command/exec tty or streaming requires a client-supplied processId",
      ],
      [{ command: ["true"], size: { rows: 10, cols: 20 } }, -32602, "command/exec size requires tty: true"],
      [
        { command: ["true"], timeoutMs: 5, disableTimeout: true },
        -32602,
        "command/exec cannot set both timeoutMs and disableTimeout",
      ],
    ];
    for (const [params, code, message] of cases) {
      const answer = await peer.call("command/exec", params);
      expect(answer.error, JSON.stringify(params)).toEqual({ code, message });
    }
    for (const method of ["command/exec/write", "command/exec/terminate"]) {
      const answer = await peer.call(method, { processId: "nope", deltaBase64: "eA==" });
      expect(answer.error).toEqual({ code: -32600, message: 'no active command/exec for process id "nope"' });
    }
  });

  it("runs in the sandbox with the server's env, unsets null vars, caps streams and times out with 124", async () => {
    const { fx, peer } = await server("read-only");
    const ok = await peer.request("command/exec", {
      command: [
        "bash",
        "-c",
        '[ -z "$KEEL_SYSTEM_CONFIG_FILE" ] && c=unset; echo "home=$HOME cfg=$c x=$X"; echo oops >&2; exit 7',
      ],
      cwd: fx.workspace,
      env: { KEEL_SYSTEM_CONFIG_FILE: null, X: "set" },
    });
    expect(ok).toEqual({ exitCode: 7, stdout: `home=${fx.home} cfg=unset x=set\n`, stderr: "oops\n" });

    // read-only from the config: the write fails; the request's danger-full-access lifts it.
    const target = path.join(fx.workspace, "made");
    const denied = await peer.request("command/exec", { command: ["touch", target], cwd: fx.workspace });
    expect(denied.exitCode).not.toBe(0);
    expect(fs.existsSync(target)).toBe(false);
    const allowed = await peer.request("command/exec", {
      command: ["touch", target],
      cwd: fx.workspace,
      sandboxPolicy: { type: "dangerFullAccess" },
    });
    expect(allowed.exitCode).toBe(0);
    expect(fs.existsSync(target)).toBe(true);

    const capped = await peer.request("command/exec", {
      command: ["bash", "-c", "head -c 5000 /dev/zero | tr '\\0' a; head -c 300 /dev/zero | tr '\\0' b >&2"],
      outputBytesCap: 1000,
    });
    expect(capped.stdout).toBe("a".repeat(1000));
    expect(capped.stderr).toBe("b".repeat(300));
    const big = await peer.request("command/exec", {
      command: ["bash", "-c", "head -c 1100000 /dev/zero | tr '\\0' c"],
    });
    expect(big.stdout.length).toBe(1024 * 1024);

    const slow = await peer.request("command/exec", {
      command: ["bash", "-c", "echo early; sleep 30"],
      timeoutMs: 300,
    });
    expect(slow).toEqual({ exitCode: 124, stdout: "", stderr: "" });
  });

  it("streams output, takes terminal input and terminates", async () => {
    const { peer } = await server();
    const streamed = await peer.request("command/exec", {
      command: ["bash", "-c", "echo out; echo err >&2"],
      processId: "s1",
      streamStdoutStderr: true,
    });
    // Streamed bytes are not repeated in the answer.
    expect(streamed).toEqual({ exitCode: 0, stdout: "", stderr: "" });
    expect(deltas(peer, "s1", "stdout")).toBe("out\n");
    expect(deltas(peer, "s1", "stderr")).toBe("err\n");

    const tty = peer.call("command/exec", {
      command: ["bash", "-c", "echo ready; read x; echo got:$x"],
      processId: "t1",
      tty: true,
      streamStdoutStderr: true,
    });
    // Input typed before the terminal is set up may be flushed: wait until the command reads.
    for (let i = 0; i < 500 && !deltas(peer, "t1", "stdout").includes("ready"); i++) await sleep(20);
    const written = await peer.call("command/exec/write", {
      processId: "t1",
      deltaBase64: Buffer.from("hello\n").toString("base64"),
    });
    expect(written.result).toEqual({});
    expect((await tty).result.exitCode).toBe(0);
    expect(deltas(peer, "t1", "stdout")).toContain("got:hello");

    const long = peer.call("command/exec", {
      command: ["sleep", "600"],
      processId: "k1",
      disableTimeout: true,
    });
    let duplicate: Awaited<ReturnType<Peer["call"]>> | null = null;
    for (let i = 0; i < 100; i++) {
      duplicate = await peer.call("command/exec", { command: ["true"], processId: "k1", tty: true });
      if (duplicate.error) break;
      await sleep(20);
    }
    expect(duplicate?.error).toEqual({
      code: -32600,
      message: 'duplicate active command/exec process id: "k1"',
    });
    let terminated: Awaited<ReturnType<Peer["call"]>> | null = null;
    for (let i = 0; i < 100; i++) {
      terminated = await peer.call("command/exec/terminate", { processId: "k1" });
      if (!terminated.error) break;
      await sleep(20);
    }
    expect(terminated?.result).toEqual({});
    // Codex 0.169: a terminated command answers 137 (SIGKILL).
    expect((await long).result).toEqual({ exitCode: 137, stdout: "", stderr: "" });
  });

  it("sizes and resizes a terminal; refuses resize, input and caps as Codex 0.169 does", async () => {
    const { peer } = await server();
    const sized = await peer.request("command/exec", {
      command: ["stty", "size"],
      processId: "z1",
      tty: true,
      size: { rows: 30, cols: 100 },
    });
    // A terminal streams without being asked: the answer repeats nothing.
    expect(sized).toEqual({ exitCode: 0, stdout: "", stderr: "" });
    expect(deltas(peer, "z1", "stdout")).toBe("30 100\r\n");

    const resized = peer.call("command/exec", {
      command: ["bash", "-c", "stty size; read x; stty size"],
      processId: "z2",
      tty: true,
      size: { rows: 10, cols: 20 },
    });
    for (let i = 0; i < 500 && !deltas(peer, "z2", "stdout").includes("10 20"); i++) await sleep(20);
    expect(
      (await peer.call("command/exec/resize", { processId: "z2", size: { rows: 40, cols: 120 } })).result,
    ).toEqual({});
    await peer.request("command/exec/write", {
      processId: "z2",
      deltaBase64: Buffer.from("\n").toString("base64"),
    });
    expect((await resized).result.exitCode).toBe(0);
    expect(deltas(peer, "z2", "stdout")).toMatch(/10 20\r\n[\s\S]*40 120\r\n$/);

    const piped = peer.call("command/exec", {
      command: ["sleep", "600"],
      processId: "z3",
      streamStdoutStderr: true,
      disableTimeout: true,
    });
    let refused: Awaited<ReturnType<Peer["call"]>> | null = null;
    for (let i = 0; i < 100; i++) {
      refused = await peer.call("command/exec/resize", { processId: "z3", size: { rows: 5, cols: 5 } });
      if (refused.error?.message !== 'no active command/exec for process id "z3"') break;
      await sleep(20);
    }
    expect(refused?.error).toEqual({
      code: -32600,
      message: "failed to resize PTY: process is not attached to a PTY",
    });
    expect((await peer.call("command/exec/write", { processId: "z3", deltaBase64: "eA==" })).error).toEqual({
      code: -32600,
      message: "stdin streaming is not enabled for this command/exec",
    });
    expect((await peer.call("command/exec/write", { processId: "z3" })).error).toEqual({
      code: -32602,
      message: "command/exec/write requires deltaBase64 or closeStdin",
    });
    await peer.request("command/exec/terminate", { processId: "z3" });
    expect((await piped).result.exitCode).toBe(137);

    const errors: [unknown, number, string][] = [
      [
        { command: ["true"], outputBytesCap: 5, disableOutputCap: true },
        -32602,
        "command/exec cannot set both outputBytesCap and disableOutputCap",
      ],
      [
        { command: ["true"], processId: "z4", tty: true, size: { rows: 0, cols: 0 } },
        -32602,
        "command/exec size rows and cols must be greater than 0",
      ],
      [
        { command: ["true"], permissionProfile: ":read-only", sandboxPolicy: { type: "readOnly" } },
        -32600,
        "`permissionProfile` cannot be combined with `sandboxPolicy`",
      ],
    ];
    for (const [params, code, message] of errors)
      expect((await peer.call("command/exec", params)).error, JSON.stringify(params)).toEqual({
        code,
        message,
      });
  });

  it("streams stdin through a pipe without a terminal, ended by closeStdin", async () => {
    const { peer } = await server();
    const cat = peer.call("command/exec", {
      command: ["bash", "-c", "cat; echo done"],
      processId: "c1",
      streamStdin: true,
    });
    let written: Awaited<ReturnType<Peer["call"]>> | null = null;
    for (let i = 0; i < 100; i++) {
      written = await peer.call("command/exec/write", {
        processId: "c1",
        deltaBase64: Buffer.from("abc\n").toString("base64"),
      });
      if (!written.error) break;
      await sleep(20);
    }
    expect(written?.result).toEqual({});
    await peer.request("command/exec/write", { processId: "c1", closeStdin: true });
    // Not a terminal: no echo, no \r, and the output is buffered into the answer.
    expect((await cat).result).toEqual({ exitCode: 0, stdout: "abc\ndone\n", stderr: "" });
    const nocap = await peer.request("command/exec", {
      command: ["bash", "-c", "head -c 1100000 /dev/zero | tr '\\0' c"],
      disableOutputCap: true,
    });
    expect(nocap.stdout.length).toBe(1_100_000);
  });

  it("runs under a named permission profile, refused (not downgraded) when requirements forbid it", async () => {
    const fx = await fixture({ topLevel: { sandbox_mode: "workspace-write" } });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const ro = await peer.request("command/exec", {
      command: ["bash", "-c", "touch ro-file; echo $?"],
      cwd: fx.workspace,
      permissionProfile: ":read-only",
    });
    expect(ro.stdout).toBe("1\n");
    expect(fs.existsSync(path.join(fx.workspace, "ro-file"))).toBe(false);
    const unknown = await peer.call("command/exec", { command: ["true"], permissionProfile: "nope" });
    expect(unknown.error.code).toBe(-32600);
    expect(unknown.error.message).toMatch(/^invalid permission profile: .*`nope`/);

    const strict = await fixture({
      topLevel: { sandbox_mode: "read-only" },
      requirements: 'allowed_sandbox_modes = ["read-only"]\n',
    });
    const locked = stdioServer(strict).peer;
    await locked.initialize();
    const denied = await locked.call("command/exec", {
      command: ["touch", path.join(strict.workspace, "escaped")],
      cwd: strict.workspace,
      permissionProfile: ":danger-full-access",
    });
    expect(denied.error?.code).toBe(-32600);
    expect(fs.existsSync(path.join(strict.workspace, "escaped"))).toBe(false);
    const ws = await locked.call("command/exec", {
      command: ["true"],
      cwd: strict.workspace,
      permissionProfile: ":workspace",
    });
    expect(ws.error?.code).toBe(-32600);
    const allowed = await locked.request("command/exec", {
      command: ["true"],
      cwd: strict.workspace,
      permissionProfile: ":read-only",
    });
    expect(allowed.exitCode).toBe(0);
  });

  it("kills the processes of a closed connection; the server keeps running", async () => {
    const fx = await fixture();
    const ws = await wsServer(fx);
    const first = await ws.connect("first");
    await first.initialize();
    const marker = `${fx.workspace}/alive-${Date.now()}`;
    // Without a processId too: the connection owns every process it started.
    void first.call("command/exec", {
      command: ["bash", "-c", `touch ${marker}; exec sleep 600`],
      env: { MARK: marker },
      disableTimeout: true,
    });
    for (let i = 0; i < 200 && !fs.existsSync(marker); i++) await sleep(20);
    const sleeping = () =>
      fs.readdirSync("/proc").some((pid) => {
        try {
          const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
          return (
            cmd === "sleep\u0000600\u0000" &&
            fs.readFileSync(`/proc/${pid}/environ`, "utf8").includes(`MARK=${marker}`)
          );
        } catch {
          return false;
        }
      });
    expect(sleeping()).toBe(true);
    first.close();
    for (let i = 0; i < 200 && sleeping(); i++) await sleep(20);
    expect(sleeping()).toBe(false);
    const second = await ws.connect("second");
    await second.initialize();
    expect((await second.request("command/exec", { command: ["true"] })).exitCode).toBe(0);
  });
});
