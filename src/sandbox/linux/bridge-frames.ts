/**
 * The frame format between keel and the proxy bridge inside the sandbox (proxy-bridge.ts):
 * `type u8, connection id u32be, payload length u32be, payload`. keel reads it from a pipe the
 * sandboxed command can write to, so the reader is strict and bounded.
 */
export const FRAME = {
  /** keel → bridge, once: the BridgeSetup as JSON. */
  setup: 0,
  /** bridge → keel: a connection was accepted; payload = one byte, the route index. */
  open: 1,
  data: 2,
  close: 3,
  /** Largest payload the bridge sends (keel refuses anything larger). */
  maxPayload: 64 * 1024,
} as const;

export const FRAME_HEADER_BYTES = 9;

export interface BridgeFrame {
  type: number;
  id: number;
  payload: Buffer;
}

export function encodeFrame(type: number, id: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(id, 1);
  head.writeUInt32BE(payload.length, 5);
  return Buffer.concat([head, payload]);
}

/**
 * Splits a byte stream into frames for `handle`, which returns false for a frame it refuses.
 * `push` returns false once the stream broke the format (an oversized or refused frame); from
 * then on it ignores input. Buffers at most one frame's worth of bytes.
 */
export class BridgeFrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private stopped = false;
  constructor(private readonly handle: (frame: BridgeFrame) => boolean) {}

  push(chunk: Buffer): boolean {
    if (this.stopped) return true;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (!this.stopped && this.pending.length >= FRAME_HEADER_BYTES) {
      const length = this.pending.readUInt32BE(5);
      if (length > FRAME.maxPayload) return this.broken();
      if (this.pending.length < FRAME_HEADER_BYTES + length) break;
      const frame: BridgeFrame = {
        type: this.pending.readUInt8(0),
        id: this.pending.readUInt32BE(1),
        payload: this.pending.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length),
      };
      this.pending = this.pending.subarray(FRAME_HEADER_BYTES + length);
      if (!this.handle(frame)) return this.broken();
    }
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.pending = Buffer.alloc(0);
  }

  private broken(): false {
    this.stop();
    return false;
  }
}
