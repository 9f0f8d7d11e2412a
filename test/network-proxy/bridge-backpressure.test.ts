import net from "node:net";
import { afterEach, expect, it } from "vitest";
import { runSandboxed } from "../../src/sandbox/runner.js";
import { workspacePlan } from "../sandbox/support.js";
import { tempDir } from "../support/tmp.js";

// The in-sandbox bridge carries every connection over one pipe. When a sandboxed client stops
// reading, the bridge pauses the pipe until that client's socket drains; a client that then
// closes never drains, and every other connection of the command used to hang behind it (seen
// with intercepted HTTPS, whose TLS close_notify can arrive after curl has closed). Real bwrap,
// real bridge, a real TCP server on the host standing in for the proxy.
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

const CLIENT = `
import os, socket, time
port = int(os.environ["HTTP_PROXY"].rsplit(":", 1)[1])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"flood\\n")
time.sleep(2)
s.close()
t = socket.create_connection(("127.0.0.1", port))
t.settimeout(10)
t.sendall(b"echo\\n")
try:
    print("second:", t.recv(100).decode(), flush=True)
except Exception as e:
    print("second failed:", e, flush=True)
`;

it("a client that closes without reading does not stall the command's other connections", {
  timeout: 60_000,
}, async () => {
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", (line) => {
      // 64 MiB: more than the loopback socket buffers take, so the bridge's write must wait.
      if (line.toString().startsWith("flood")) socket.end(Buffer.alloc(64 * 1024 * 1024, 120));
      else socket.end("pong");
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  cleanups.push(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const ws = tempDir();
  const r = await runSandboxed({
    argv: ["python3", "-c", CLIENT],
    cwd: ws,
    plan: workspacePlan(ws),
    env: { PATH: "/usr/local/bin:/usr/bin:/bin", HTTP_PROXY: `http://127.0.0.1:${port}` },
    stateDir: tempDir("keel-state-"),
    proxyPorts: [port],
    timeoutMs: 40_000,
  });
  expect(r.setupError).toBeUndefined();
  expect(r.stdout).toContain("second: pong");
});
