import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { fixture, type Peer, stdioServer, wsServer } from "./support.js";

/**
 * process/* over stdio (unified-exec.md §6, Codex 0.169 as observed): experimental, unsandboxed,
 * keyed by a connection-scoped processHandle; output and exit as notifications.
 */

async function server(capabilities: unknown = { experimentalApi: true }) {
  // read-only: process/spawn must run outside the sandbox anyway.
  const fx = await fixture({ topLevel: { sandbox_mode: "read-only" } });
  const { peer } = stdioServer(fx);
  await peer.initialize("keel_process_test", capabilities);
  return { fx, peer };
}

const b64 = (text: string) => Buffer.from(text).toString("base64");
const exited = (peer: Peer, handle: string) =>
  peer.notification("process/exited", (p) => p.processHandle === handle).then((m) => m.params);
const streamed = (peer: Peer, handle: string) =>
  peer.received
    .filter((m) => m.method === "process/outputDelta" && m.params.processHandle === handle)
    .map((m) => Buffer.from(m.params.deltaBase64, "base64").toString("utf8"))
    .join("");

describe("process/*", () => {
  it("needs the experimental API, as in Codex", async () => {
    const { fx, peer } = await server({});
    for (const method of ["process/spawn", "process/writeStdin", "process/resizePty", "process/kill"]) {
      const answer = await peer.call(method, {
        command: ["true"],
        processHandle: "p",
        cwd: fx.workspace,
        size: { rows: 1, cols: 1 },
      });
      expect(answer.error).toEqual({
        code: -32600,
        message: `${method} requires experimentalApi capability`,
      });
    }
  });

  it("is refused when managed requirements do not allow danger-full-access (keel fails closed)", async () => {
    const fx = await fixture({
      topLevel: { sandbox_mode: "read-only" },
      requirements: 'allowed_sandbox_modes = ["read-only", "workspace-write"]\n',
    });
    const { peer } = stdioServer(fx);
    await peer.initialize("keel_process_test", { experimentalApi: true });
    const marker = path.join(fx.workspace, "ran-anyway");
    const answer = await peer.call("process/spawn", {
      command: ["touch", marker],
      processHandle: "p",
      cwd: fx.workspace,
    });
    expect(answer.error?.code).toBe(-32600);
    expect(answer.error?.message).toMatch(/^process\/spawn runs unsandboxed: /);
    await sleep(200);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it("spawns unsandboxed, reports the exit with buffered output, caps, times out and kills", async () => {
    const { fx, peer } = await server();
    const outside = path.join(fx.workspace, "written-by-process");
    expect(
      await peer.request("process/spawn", {
        command: ["bash", "-c", `touch ${outside}; echo "hi $FOO"; echo err >&2; exit 3`],
        processHandle: "p1",
        cwd: fx.workspace,
        env: { FOO: "bar" },
      }),
    ).toEqual({});
    expect(await exited(peer, "p1")).toEqual({
      processHandle: "p1",
      exitCode: 3,
      outputDrainTimedOut: false,
      stdout: "hi bar\n",
      stdoutCapReached: false,
      stderr: "err\n",
      stderrCapReached: false,
    });
    // The configured sandbox is read-only: only an unsandboxed process could write here.
    expect(fs.existsSync(outside)).toBe(true);

    await peer.request("process/spawn", {
      command: ["bash", "-c", "head -c 3000 /dev/zero | tr '\\0' a"],
      processHandle: "p5",
      cwd: fx.workspace,
      outputBytesCap: 100,
    });
    const capped = await exited(peer, "p5");
    expect([capped.stdout, capped.stdoutCapReached, capped.stderrCapReached]).toEqual([
      "a".repeat(100),
      true,
      false,
    ]);

    await peer.request("process/spawn", {
      command: ["bash", "-c", "echo early; sleep 30"],
      processHandle: "p6",
      cwd: fx.workspace,
      timeoutMs: 300,
    });
    expect(await exited(peer, "p6")).toMatchObject({ exitCode: 124, stdout: "", stderr: "" });

    await peer.request("process/spawn", {
      command: ["sleep", "600"],
      processHandle: "p2",
      cwd: fx.workspace,
    });
    expect(
      (await peer.call("process/spawn", { command: ["true"], processHandle: "p2", cwd: fx.workspace })).error,
    ).toEqual({
      code: -32600,
      message: 'duplicate active process handle: "p2"',
    });
    expect(
      (await peer.call("process/writeStdin", { processHandle: "p2", deltaBase64: "eA==" })).error,
    ).toEqual({
      code: -32600,
      message: "stdin streaming is not enabled for this process",
    });
    expect(
      (await peer.call("process/resizePty", { processHandle: "p2", size: { rows: 5, cols: 5 } })).error,
    ).toEqual({
      code: -32600,
      message: "failed to resize PTY: process is not attached to a PTY",
    });
    expect(await peer.request("process/kill", { processHandle: "p2" })).toEqual({});
    expect(await exited(peer, "p2")).toMatchObject({ exitCode: 137, stdout: "", stderr: "" });
    // The handle is free again once the process exited.
    await peer.request("process/spawn", { command: ["true"], processHandle: "p2", cwd: fx.workspace });
    expect((await exited(peer, "p2")).exitCode).toBe(0);

    const errors: [string, unknown, number, string][] = [
      ["process/kill", { processHandle: "zz" }, -32600, 'no active process for process handle "zz"'],
      [
        "process/resizePty",
        { processHandle: "zz", size: { rows: 1, cols: 1 } },
        -32600,
        'no active process for process handle "zz"',
      ],
      [
        "process/writeStdin",
        { processHandle: "zz" },
        -32602,
        "process/writeStdin requires deltaBase64 or closeStdin",
      ],
      [
        "process/spawn",
        { command: [], processHandle: "e", cwd: fx.workspace },
        -32600,
        "command must not be empty",
      ],
      [
        "process/spawn",
        { command: ["true"], processHandle: "e", cwd: "relative" },
        -32600,
        "Invalid request: AbsolutePathBuf deserialized without a base path",
      ],
      [
        "process/spawn",
        { command: ["true"], processHandle: "e", cwd: fx.workspace, size: { rows: 5, cols: 5 } },
        -32602,
        "process/spawn size requires tty: true",
      ],
      [
        "process/spawn",
        { command: ["/nonexistent/prog"], processHandle: "e", cwd: fx.workspace },
        -32603,
        "failed to spawn process: No such file or directory (os error 2)",
      ],
    ];
    for (const [method, params, code, message] of errors)
      expect((await peer.call(method, params)).error, `${method} ${JSON.stringify(params)}`).toEqual({
        code,
        message,
      });
  });

  it("takes input through a sized, resizable terminal or an open pipe", async () => {
    const { fx, peer } = await server();
    await peer.request("process/spawn", {
      command: ["bash", "-c", "stty size; read x; stty size; echo got:$x"],
      processHandle: "t1",
      cwd: fx.workspace,
      tty: true,
      size: { rows: 11, cols: 22 },
    });
    for (let i = 0; i < 500 && !streamed(peer, "t1").includes("11 22"); i++) await sleep(20);
    expect(
      await peer.request("process/resizePty", { processHandle: "t1", size: { rows: 33, cols: 44 } }),
    ).toEqual({});
    expect(
      await peer.request("process/writeStdin", { processHandle: "t1", deltaBase64: b64("yo\n") }),
    ).toEqual({});
    // A terminal streams: the exit repeats nothing.
    expect(await exited(peer, "t1")).toMatchObject({ exitCode: 0, stdout: "", stderr: "" });
    expect(streamed(peer, "t1")).toMatch(/^11 22\r\n[\s\S]*33 44\r\ngot:yo\r\n$/);

    await peer.request("process/spawn", {
      command: ["bash", "-c", "cat; echo done"],
      processHandle: "c1",
      cwd: fx.workspace,
      streamStdin: true,
    });
    await peer.request("process/writeStdin", { processHandle: "c1", deltaBase64: b64("abc\n") });
    await peer.request("process/writeStdin", { processHandle: "c1", closeStdin: true });
    expect(await exited(peer, "c1")).toMatchObject({ exitCode: 0, stdout: "abc\ndone\n" });

    await peer.request("process/spawn", {
      command: ["bash", "-c", "head -c 3000 /dev/zero | tr '\\0' a"],
      processHandle: "s1",
      cwd: fx.workspace,
      outputBytesCap: 100,
      streamStdoutStderr: true,
    });
    expect(await exited(peer, "s1")).toMatchObject({ stdout: "", stdoutCapReached: true });
    const deltas = peer.received.filter(
      (m) => m.method === "process/outputDelta" && m.params.processHandle === "s1",
    );
    expect(streamed(peer, "s1")).toBe("a".repeat(100));
    expect(deltas.at(-1)?.params.capReached).toBe(true);
  });

  it("kills the processes of a closed connection", async () => {
    const fx = await fixture();
    const ws = await wsServer(fx);
    const first = await ws.connect("first");
    await first.initialize("keel_process_test", { experimentalApi: true });
    const marker = `${fx.workspace}/proc-${Date.now()}`;
    await first.request("process/spawn", {
      command: ["bash", "-c", "exec sleep 600"],
      processHandle: "bg",
      cwd: fx.workspace,
      env: { MARK: marker },
      timeoutMs: null,
    });
    const sleeping = () =>
      fs.readdirSync("/proc").some((pid) => {
        try {
          return (
            fs.readFileSync(`/proc/${pid}/cmdline`, "utf8") === "sleep\u0000600\u0000" &&
            fs.readFileSync(`/proc/${pid}/environ`, "utf8").includes(`MARK=${marker}`)
          );
        } catch {
          return false;
        }
      });
    for (let i = 0; i < 200 && !sleeping(); i++) await sleep(20);
    expect(sleeping()).toBe(true);
    first.close();
    for (let i = 0; i < 200 && sleeping(); i++) await sleep(20);
    expect(sleeping()).toBe(false);
  });
});
