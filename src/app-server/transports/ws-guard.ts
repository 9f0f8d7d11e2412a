import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import type { Logger } from "../transport.js";
import { FrameMeter, type WsLimits } from "../ws-limits.js";

/** RFC 6455 close codes the guard uses. */
export const CloseCode = { policyViolation: 1008, tryAgainLater: 1013 } as const;

/** How long a refused peer has to read the close frame before its socket is cut. */
const REFUSAL_GRACE_MS = 1000;

/** Bytes of unfinished messages across all connections of one listener. */
export class BufferBudget {
  used = 0;
  constructor(readonly limit: number) {}
}

/**
 * Closes with a code and reason the client can read, then cuts the socket. The socket is paused
 * first: a peer that keeps sending is not read any further.
 */
export function refuse(ws: WebSocket, socket: Socket, code: number, reason: string): void {
  socket.pause();
  ws.close(code, reason);
  setTimeout(() => ws.terminate(), REFUSAL_GRACE_MS).unref();
}

/**
 * Enforces the limits on one raw socket from TCP accept on: the first complete message must
 * arrive within the handshake timeout (upgrade included), every message must be complete within
 * the message timeout, and the bytes of unfinished messages count against the listener's budget.
 * It reads the bytes before the WebSocket library does, through its own frame meter.
 */
export class ConnectionGuard {
  private readonly meter = new FrameMeter();
  private ws: WebSocket | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private messageTimer: NodeJS.Timeout | undefined;
  private counted = 0;
  private stopped = false;

  constructor(
    private readonly socket: Socket,
    private readonly limits: WsLimits,
    private readonly budget: BufferBudget,
    private readonly log: Logger,
  ) {
    this.handshakeTimer = setTimeout(() => this.handshakeExpired(), limits.handshakeTimeoutMs);
    socket.once("close", () => this.release());
  }

  /** The upgrade succeeded: from now on the socket carries WebSocket frames. */
  attach(ws: WebSocket): void {
    this.ws = ws;
    // Before the library's own listener, so a chunk is counted before it is buffered.
    this.socket.prependListener("data", (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    if (this.stopped || this.ws === undefined) return;
    const wasInMessage = this.meter.inMessage;
    const completed = this.meter.push(chunk);
    if (completed > 0) this.clearHandshakeTimer();
    const delta = this.meter.pending - this.counted;
    this.budget.used += delta;
    this.counted = this.meter.pending;
    if (delta > 0 && this.budget.used > this.budget.limit) {
      this.refuse(
        CloseCode.tryAgainLater,
        `server busy: unfinished messages over ${this.budget.limit} bytes across connections`,
      );
      return;
    }
    // A message that started in this chunk (or completed and another started) gets a fresh timer.
    if (completed > 0 || !this.meter.inMessage) this.clearMessageTimer();
    if (this.meter.inMessage && (completed > 0 || !wasInMessage)) {
      const seconds = this.limits.messageTimeoutMs / 1000;
      this.messageTimer = setTimeout(
        () => this.refuse(CloseCode.policyViolation, `message not completed within ${seconds} s`),
        this.limits.messageTimeoutMs,
      );
    }
  }

  private handshakeExpired(): void {
    this.handshakeTimer = undefined;
    if (this.ws === undefined) {
      this.log("closing a connection that did not complete the WebSocket upgrade in time");
      this.socket.destroy();
      return;
    }
    const seconds = this.limits.handshakeTimeoutMs / 1000;
    this.refuse(CloseCode.policyViolation, `no message within ${seconds} s of connecting`);
  }

  private refuse(code: number, reason: string): void {
    if (this.ws === undefined || this.stopped) return;
    this.log(`closing connection: ${reason}`);
    this.stopped = true;
    this.clearHandshakeTimer();
    this.clearMessageTimer();
    refuse(this.ws, this.socket, code, reason);
  }

  /**
   * The socket is gone: its bytes go back to the budget. Not earlier: a refused connection still
   * holds what it sent until its socket is cut.
   */
  private release(): void {
    this.stopped = true;
    this.budget.used -= this.counted;
    this.counted = 0;
    this.clearHandshakeTimer();
    this.clearMessageTimer();
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer !== undefined) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
  }

  private clearMessageTimer(): void {
    if (this.messageTimer !== undefined) clearTimeout(this.messageTimer);
    this.messageTimer = undefined;
  }
}
