/**
 * Resource limits of the WebSocket listeners (TCP and unix). Without them one client that sends
 * most of a huge frame and stops holds that memory forever, and a few dozen such clients exhaust
 * the machine.
 */
export interface WsLimits {
  /** Open WebSocket connections; one more is closed with 1013 right after its upgrade. */
  readonly maxConnections: number;
  /** Largest message (all fragments) one connection may send; larger closes it with 1009. */
  readonly maxMessageBytes: number;
  /** Bytes of unfinished messages across all connections; the one going over is closed (1013). */
  readonly maxBufferedBytes: number;
  /** From TCP accept to the first complete message (upgrade included). */
  readonly handshakeTimeoutMs: number;
  /** From the first byte of a message to its last. */
  readonly messageTimeoutMs: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_WS_LIMITS: WsLimits = {
  maxConnections: 64,
  // Four times the 16 MiB a request may have: larger requests are still answered with an error.
  maxMessageBytes: 64 * MiB,
  maxBufferedBytes: 128 * MiB,
  handshakeTimeoutMs: 10_000,
  messageTimeoutMs: 60_000,
};

/** The limit flags as given on the command line. */
export interface WsLimitFlags {
  readonly wsMaxConnections?: string;
  readonly wsMaxMessageBytes?: string;
  readonly wsMaxBufferedBytes?: string;
  readonly wsHandshakeTimeoutSeconds?: string;
  readonly wsMessageTimeoutSeconds?: string;
}

/** Validates the limit flags over the defaults. Throws an Error naming the bad flag. */
export function resolveWsLimits(flags: WsLimitFlags): WsLimits {
  const number = (value: string | undefined, flag: string, fallback: number, scale = 1): number => {
    if (value === undefined) return fallback;
    const text = value.trim();
    if (!/^\d{1,15}$/.test(text) || Number(text) === 0) {
      throw new Error(`${flag} must be a positive whole number, got '${value}'`);
    }
    return Number(text) * scale;
  };
  const d = DEFAULT_WS_LIMITS;
  return {
    maxConnections: number(flags.wsMaxConnections, "--ws-max-connections", d.maxConnections),
    maxMessageBytes: number(flags.wsMaxMessageBytes, "--ws-max-message-bytes", d.maxMessageBytes),
    maxBufferedBytes: number(flags.wsMaxBufferedBytes, "--ws-max-buffered-bytes", d.maxBufferedBytes),
    handshakeTimeoutMs: number(
      flags.wsHandshakeTimeoutSeconds,
      "--ws-handshake-timeout-seconds",
      d.handshakeTimeoutMs,
      1000,
    ),
    messageTimeoutMs: number(
      flags.wsMessageTimeoutSeconds,
      "--ws-message-timeout-seconds",
      d.messageTimeoutMs,
      1000,
    ),
  };
}

const DATA_OPCODE_MAX = 0x7;

/**
 * Follows the frame boundaries of a client → server WebSocket byte stream (RFC 6455 §5.2) without
 * keeping any payload, so the listener knows how many bytes of an unfinished message a
 * connection holds and since when, independently of the WebSocket library's internals.
 */
export class FrameMeter {
  /** Bytes (headers included) of the data message being received; 0 between messages. */
  pending = 0;
  /** True from the first byte of a data frame until its message's final frame has arrived. */
  inMessage = false;
  private header: number[] = [];
  private headerLength = 2;
  private payloadLeft = 0;
  private frameIsData = false;
  private frameFin = false;

  /** Feeds received bytes; returns how many messages they completed. */
  push(chunk: Uint8Array): number {
    let completed = 0;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, chunk.length - offset);
        this.payloadLeft -= take;
        offset += take;
        if (this.frameIsData) this.pending += take;
        if (this.payloadLeft === 0 && this.finishFrame()) completed++;
      } else {
        if (this.readHeaderByte(chunk[offset]!) && this.payloadLeft === 0 && this.finishFrame()) completed++;
        offset++;
      }
    }
    return completed;
  }

  /** Returns true when the byte completed the frame header. */
  private readHeaderByte(byte: number): boolean {
    this.header.push(byte);
    if (this.header.length === 1) {
      this.frameFin = (byte & 0x80) !== 0;
      this.frameIsData = (byte & 0x0f) <= DATA_OPCODE_MAX;
      if (this.frameIsData) this.inMessage = true;
    } else if (this.header.length === 2) {
      const length7 = byte & 0x7f;
      const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
      this.headerLength = 2 + extended + ((byte & 0x80) !== 0 ? 4 : 0);
    }
    if (this.frameIsData) this.pending++;
    if (this.header.length < this.headerLength) return false;
    this.payloadLeft = payloadLength(this.header);
    this.header = [];
    this.headerLength = 2;
    return true;
  }

  /** A whole frame has arrived; returns true when it was the final frame of a data message. */
  private finishFrame(): boolean {
    if (!this.frameIsData || !this.frameFin) return false;
    this.pending = 0;
    this.inMessage = false;
    return true;
  }
}

function payloadLength(header: number[]): number {
  const length7 = header[1]! & 0x7f;
  if (length7 < 126) return length7;
  if (length7 === 126) return (header[2]! << 8) | header[3]!;
  // A 64-bit length; beyond 2^53 it is only an estimate, and far over any limit anyway.
  let length = 0;
  for (let i = 2; i < 10; i++) length = length * 256 + header[i]!;
  return length;
}
