import { randomBytes } from "node:crypto";
import net from "node:net";

/**
 * A WebSocket client written by hand on a TCP socket, for what a well-behaved library will not
 * do: stop in the middle of a frame, never send, or send a frame's header long before its body.
 */
export class RawWsClient {
  /** The server's close frame, once received. */
  closeFrame: { code: number; reason: string } | undefined;
  readonly ended: Promise<void>;
  private received = Buffer.alloc(0);

  private constructor(readonly socket: net.Socket) {
    this.ended = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => {});
  }

  /** Connects without upgrading. */
  static tcp(url: string): RawWsClient {
    const { hostname, port } = new URL(url);
    return new RawWsClient(net.connect(Number(port), hostname));
  }

  /** Connects and completes the upgrade; rejects unless the server answers 101. */
  static async upgrade(url: string): Promise<RawWsClient> {
    const client = RawWsClient.tcp(url);
    const { host } = new URL(url);
    client.socket.write(
      `GET / HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await new Promise<void>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) return;
        client.socket.off("data", onData);
        if (!head.subarray(0, end).toString().startsWith("HTTP/1.1 101")) {
          reject(new Error(`upgrade refused: ${head.subarray(0, end).toString()}`));
          return;
        }
        client.socket.on("data", (more: Buffer) => client.onFrames(more));
        client.onFrames(head.subarray(end + 4));
        resolve();
      };
      client.socket.on("data", onData);
      client.socket.once("close", () => reject(new Error("closed during the upgrade")));
    });
    return client;
  }

  /** Sends one whole text message. */
  sendText(text: string): void {
    this.socket.write(clientFrame(Buffer.from(text)));
  }

  /** Sends the header of a text frame of `declared` bytes and only `sent` bytes of its body. */
  sendPartialFrame(declared: number, sent: number): void {
    const whole = clientFrame(Buffer.alloc(declared, 0x61), { zeroMask: true });
    this.socket.write(whole.subarray(0, whole.length - (declared - sent)));
  }

  /** Resolves with the close frame, or undefined when the socket ended without one. */
  async closed(): Promise<{ code: number; reason: string } | undefined> {
    await this.ended;
    return this.closeFrame;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Server frames are unmasked; only the close frame matters here. */
  private onFrames(chunk: Buffer): void {
    this.received = Buffer.concat([this.received, chunk]);
    while (this.received.length >= 2) {
      let length = this.received[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.received.length < 4) return;
        length = this.received.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.received.length < 10) return;
        length = Number(this.received.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.received.length < offset + length) return;
      const opcode = this.received[0]! & 0x0f;
      const payload = this.received.subarray(offset, offset + length);
      if (opcode === 0x8 && payload.length >= 2) {
        this.closeFrame = { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString() };
      }
      this.received = this.received.subarray(offset + length);
    }
  }
}

/** A masked client → server frame (RFC 6455 §5.2). */
export function clientFrame(payload: Buffer, { opcode = 0x1, fin = true, zeroMask = false } = {}): Buffer {
  const length = payload.length;
  const lengthBytes =
    length < 126
      ? Buffer.from([0x80 | length])
      : length < 65536
        ? Buffer.from([0x80 | 126, length >> 8, length & 0xff])
        : (() => {
            const b = Buffer.alloc(9);
            b[0] = 0x80 | 127;
            b.writeBigUInt64BE(BigInt(length), 1);
            return b;
          })();
  // A zero mask leaves the payload as it is: cheap for the many megabytes of the limit tests.
  const mask = zeroMask ? Buffer.alloc(4) : randomBytes(4);
  const masked = zeroMask ? payload : Buffer.alloc(length);
  if (!zeroMask) for (let i = 0; i < length; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode]), lengthBytes, mask, masked]);
}
