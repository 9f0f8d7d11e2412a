/**
 * The proxy bridge carries TCP only, and the UDP relay a SOCKS5 proxy answers with listens on the
 * host's loopback, which the sandbox's network namespace cannot reach. Codex 0.169 answers such a
 * UDP ASSOCIATE with success and the client then waits for datagrams that never arrive. keel
 * refuses it on the host side of the bridge instead, with "command not supported", so the client
 * fails at once with a SOCKS error.
 *
 * This watches the bytes a sandboxed client sends through one bridged connection until its first
 * SOCKS5 request (RFC 1928: greeting `05 n methods…`, then request `05 cmd 00 atyp …`). keel's
 * proxy offers only "no authentication", so the request follows the greeting directly. A stream
 * that does not open with a SOCKS5 greeting (HTTP on the other route) passes through untouched.
 */

const SOCKS_VERSION = 0x05;
const CMD_UDP_ASSOCIATE = 0x03;

/** The reply keel sends for a refused UDP ASSOCIATE: REP 0x07, "command not supported". */
export const UDP_ASSOCIATE_REFUSED = Buffer.from([0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);

/** The proxy's method-selection reply (`05 method`) the client must get before the refusal. */
export const METHOD_REPLY_BYTES = 2;

export interface GuardStep {
  /** Bytes to pass on to the proxy now. */
  forward: Buffer;
  /** True once, when the first request turned out to be a UDP ASSOCIATE. */
  refuse: boolean;
}

export class SocksUdpGuard {
  private phase: "greeting" | "request" | "pass" | "refused" = "greeting";
  private held: Buffer = Buffer.alloc(0);

  /** True once the stream turned out not to be a UDP ASSOCIATE: everything passes from now on. */
  get passing(): boolean {
    return this.phase === "pass";
  }

  push(chunk: Buffer): GuardStep {
    if (this.phase === "pass") return { forward: chunk, refuse: false };
    // After a refusal nothing more goes to the proxy; the connection is being closed.
    if (this.phase === "refused") return { forward: Buffer.alloc(0), refuse: false };
    this.held = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const forward: Buffer[] = [];
    if (this.phase === "greeting") {
      if (this.held.length < 2) return { forward: Buffer.alloc(0), refuse: false };
      if (this.held[0] !== SOCKS_VERSION) return this.passAll(forward);
      const greeting = 2 + this.held[1]!;
      if (this.held.length < greeting) return { forward: Buffer.alloc(0), refuse: false };
      forward.push(this.held.subarray(0, greeting));
      this.held = this.held.subarray(greeting);
      this.phase = "request";
    }
    // Version and command are enough to decide; the rest of the request goes on unread.
    if (this.held.length < 2) return { forward: Buffer.concat(forward), refuse: false };
    if (this.held[0] === SOCKS_VERSION && this.held[1] === CMD_UDP_ASSOCIATE) {
      this.phase = "refused";
      this.held = Buffer.alloc(0);
      return { forward: Buffer.concat(forward), refuse: true };
    }
    return this.passAll(forward);
  }

  private passAll(forward: Buffer[]): GuardStep {
    forward.push(this.held);
    this.held = Buffer.alloc(0);
    this.phase = "pass";
    return { forward: Buffer.concat(forward), refuse: false };
  }
}
