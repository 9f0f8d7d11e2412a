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
      const answer = await peer.call(method, { processId: "nope" });
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
