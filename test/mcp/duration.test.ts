import { describe, expect, it } from "vitest";
import { debugDuration, formatDuration } from "../../src/mcp/duration.js";

describe("timeout texts", () => {
  it("formats like Codex's {:.0?} of the time left just under the timeout", () => {
    // Observed on codex 0.169: 30 s and 300 s defaults, tool_timeout_sec = 1.5, startup_timeout_ms = 1000.
    expect(formatDuration(30_000)).toBe("30s");
    expect(formatDuration(300_000)).toBe("300s");
    expect(formatDuration(1500)).toBe("1s");
    // Captured: startup_timeout_sec = 3.5 and startup_timeout_ms = 3000 both print `3s`.
    expect(formatDuration(3500)).toBe("3s");
    expect(formatDuration(3000)).toBe("3s");
    expect(formatDuration(1000)).toBe("1000ms");
    expect(formatDuration(1600)).toBe("2s");
    expect(formatDuration(250)).toBe("250ms");
  });

  it("prints Rust's Duration Debug for the handshake timeout", () => {
    expect(debugDuration(1500)).toBe("1.5s");
    expect(debugDuration(30_000)).toBe("30s");
    expect(debugDuration(250)).toBe("250ms");
  });
});
