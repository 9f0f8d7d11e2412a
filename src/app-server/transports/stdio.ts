import type { Readable, Writable } from "node:stream";
import type { OutgoingMessage } from "../../protocol/jsonrpc.js";
import { TopLevelIdScanner } from "../id-scanner.js";
import {
  decodeFrame,
  droppedForLaggingClient,
  type Logger,
  type MessageTransport,
  type TransportReceiver,
} from "../transport.js";
import { errorMessage } from "../../lib/errors.js";

const NEWLINE = 0x0a;

/**
 * JSONL over a pair of streams (spec app-server.md §1.2): one message per `\n`-terminated
 * line. Lines over the size limit are not buffered: they are scanned for their id and answered
 * with an error. End of input closes the transport.
 */
export class StdioTransport implements MessageTransport {
  readonly description = "stdio";
  readonly hostFileAccess = true;
  private receiver: TransportReceiver | undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  /** Set while skipping the rest of an oversized line. */
  private oversized: { scanner: TopLevelIdScanner; bytes: number } | undefined;
  private closed = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly log: Logger,
    private readonly maxMessageBytes: number,
  ) {}

  start(receiver: TransportReceiver): void {
    this.receiver = receiver;
    this.input.on("data", (chunk: Buffer | string) =>
      this.onData(typeof chunk === "string" ? Buffer.from(chunk) : chunk),
    );
    this.input.on("end", () => this.finish(true));
    this.input.on("close", () => this.finish(true));
    this.input.on("error", (error) => {
      this.log(`stdin error: ${error.message}`);
      this.finish(false);
    });
    this.output.on("error", (error) => {
      this.log(`stdout error: ${error.message}`);
      this.close();
    });
  }

  send(message: OutgoingMessage): void {
    if (this.closed) return;
    if (droppedForLaggingClient(message, this.output.writableLength)) return;
    let line: string;
    try {
      line = `${JSON.stringify(message)}\n`;
    } catch (error) {
      this.log(`cannot serialize outgoing message: ${errorMessage(error)}`);
      return;
    }
    this.output.write(line);
  }

  close(): void {
    if (this.closed) return;
    this.input.pause();
    this.input.removeAllListeners("data");
    this.input.destroy();
    this.finish(false);
  }

  private onData(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.closed) {
      const newline = chunk.indexOf(NEWLINE, offset);
      const end = newline === -1 ? chunk.length : newline;
      this.append(chunk.subarray(offset, end));
      if (newline === -1) return;
      this.endLine();
      offset = newline + 1;
    }
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    if (this.oversized) {
      this.oversized.scanner.push(part);
      this.oversized.bytes += part.length;
      return;
    }
    if (this.size + part.length > this.maxMessageBytes) {
      const scanner = new TopLevelIdScanner();
      for (const buffered of this.chunks) scanner.push(buffered);
      scanner.push(part);
      this.oversized = { scanner, bytes: this.size + part.length };
      this.chunks = [];
      this.size = 0;
      return;
    }
    this.chunks.push(part);
    this.size += part.length;
  }

  private endLine(): void {
    if (this.oversized) {
      const { scanner, bytes } = this.oversized;
      this.oversized = undefined;
      this.receiver?.onOversized(bytes, scanner.info());
      return;
    }
    const line = Buffer.concat(this.chunks, this.size).toString("utf8");
    this.chunks = [];
    this.size = 0;
    if (line.trim() === "") return;
    if (this.receiver) decodeFrame(line, this.log, this.receiver);
  }

  private finish(flushLastLine: boolean): void {
    if (this.closed) return;
    // At end of input, a last line without its newline still counts.
    if (flushLastLine && (this.size > 0 || this.oversized)) this.endLine();
    this.closed = true;
    this.receiver?.onClose();
  }
}
