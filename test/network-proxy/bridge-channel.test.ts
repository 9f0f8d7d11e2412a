import { spawnSync } from "node:child_process";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BridgeFrame,
  BridgeFrameReader,
  encodeFrame,
  FRAME,
} from "../../src/sandbox/linux/bridge-frames.js";
import { tempDir } from "../support/tmp.js";
import { workspacePlan } from "../sandbox/support.js";

const DIST = path.resolve(import.meta.dirname, "../../dist");

// A stand-in for keel's process: it starts the real proxy and runs one command through the real
// bwrap sandbox and bridge (built dist/), then prints the result. Run as its own process so that a
// crash caused by the sandboxed command shows as this process dying.
const KEEL_SIDE = `
const { runSandboxed } = await import(${JSON.stringify(`${DIST}/sandbox/runner.js`)});
const { startNetworkProxy } = await import(${JSON.stringify(`${DIST}/network-proxy/proxy.js`)});
const { proxyEnvironment } = await import(${JSON.stringify(`${DIST}/network-proxy/env.js`)});
const input = JSON.parse(process.argv[1]);
const p = await startNetworkProxy({ policy: { mode: "full", allow: [], deny: [], allowLocalBinding: false } });
const env = { PATH: "/usr/local/bin:/usr/bin:/bin", ...proxyEnvironment({ httpPort: p.httpPort, socksPort: p.socksPort, allowLocalBinding: false }) };
const r = await runSandboxed({ argv: input.argv, cwd: input.cwd, plan: input.plan, env, stateDir: input.stateDir,
  proxyPorts: [p.httpPort, p.socksPort], timeoutMs: 30000 });
await p.close();
process.stdout.write(JSON.stringify({ exitCode: r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr, setupError: r.setupError ?? null }));
`;

// Run inside the sandbox: takes the bridge's end of the keel pipe (fd 5 of its parent, the bridge)
// with pidfd_getfd — same uid, so allowed — and writes bytes that are not a bridge frame.
const GRAB = `
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
pidfd = libc.syscall(434, os.getppid(), 0)
fd = libc.syscall(438, pidfd, 5, 0) if pidfd >= 0 else -1
if fd < 0:
    print("grab failed", ctypes.get_errno()); sys.exit(3)
print("grabbed", flush=True)
os.write(fd, bytes.fromhex(sys.argv[1]))
time.sleep(5)
print("still running", flush=True)
`;

function runKeelSide(payload: string) {
  const cwd = tempDir();
  const input = {
    argv: ["python3", "-c", GRAB, Buffer.from(payload, "latin1").toString("hex")],
    cwd,
    plan: workspacePlan(cwd),
    stateDir: tempDir("keel-state-"),
  };
  return spawnSync(process.execPath, ["--input-type=module", "-e", KEEL_SIDE, JSON.stringify(input)], {
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("the keel ↔ proxy bridge pipe is untrusted input", () => {
  it.each([
    ["Node IPC garbage", "this is not json\n"],
    ["a forged Node handle message", '{"cmd":"NODE_HANDLE","type":"bogus","msg":{}}\n'],
    ["an oversized frame", "\u0002\u0000\u0000\u0000\u0001\u00ff\u00ff\u00ff\u00ff"],
  ])(
    "a sandboxed command writing %s to it kills the command, not keel",
    (_name, payload) => {
      const keel = runKeelSide(payload);
      expect(keel.stderr).not.toMatch(/SyntaxError|TypeError|Uncaught/);
      expect(keel.status).toBe(0);
      const result = JSON.parse(keel.stdout) as {
        stdout: string;
        signal: string | null;
        exitCode: number | null;
      };
      expect(result.stdout).toContain("grabbed");
      // Fail closed: the command that broke the pipe's format does not get to run on.
      expect(result.stdout).not.toContain("still running");
      expect(result.signal ?? result.exitCode).not.toBe(0);
    },
    90_000,
  );
});

describe("BridgeFrameReader", () => {
  const frameArb = fc.record({
    type: fc.constantFrom(FRAME.open, FRAME.data, FRAME.close),
    id: fc.nat({ max: 0xffffffff }),
    payload: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  });

  it("reassembles valid frames whatever the chunking", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 20 }),
        fc.array(fc.nat({ max: 50 }), { maxLength: 40 }),
        (frames, cuts) => {
          const bytes = Buffer.concat(frames.map((f) => encodeFrame(f.type, f.id, f.payload)));
          const seen: BridgeFrame[] = [];
          const reader = new BridgeFrameReader((f) => {
            seen.push({ type: f.type, id: f.id, payload: Buffer.from(f.payload) });
            return true;
          });
          let at = 0;
          for (const cut of cuts) {
            expect(reader.push(bytes.subarray(at, at + cut))).toBe(true);
            at = Math.min(bytes.length, at + cut);
          }
          expect(reader.push(bytes.subarray(at))).toBe(true);
          expect(seen).toEqual(frames);
        },
      ),
    );
  });

  it("never throws on arbitrary bytes and refuses an oversized length before buffering it", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const reader = new BridgeFrameReader((f) => f.type !== 9);
        expect(() => reader.push(Buffer.from(bytes))).not.toThrow();
      }),
    );
    const reader = new BridgeFrameReader(() => true);
    expect(reader.push(Buffer.from([FRAME.data, 0, 0, 0, 1, 0, 1, 0, 1]))).toBe(false);
    // Once broken, it stays silent.
    expect(reader.push(encodeFrame(FRAME.data, 1, Buffer.from("x")))).toBe(true);
  });
});
