import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RequestedPermissions } from "../../src/protocol/events.js";
import {
  grantedSubset,
  grantOutput,
  isEmptyPermissions,
  requestedFromArgs,
} from "../../src/tools/request-permissions.js";
import { withGrants } from "../../src/tools/runtime/permission-grants.js";
import { restrictedFsPolicy } from "../../src/permissions/index.js";

const paths = fc.array(fc.constantFrom("/a", "/b", "/c/d", "/e"), { maxLength: 4 });
const perms = fc.record({
  network: fc.option(fc.record({ enabled: fc.option(fc.boolean(), { nil: null }) }), { nil: null }),
  file_system: fc.option(
    fc.record({ read: fc.option(paths, { nil: null }), write: fc.option(paths, { nil: null }) }),
    { nil: null },
  ),
}) as fc.Arbitrary<RequestedPermissions>;

describe("request_permissions grants", () => {
  it("a grant never exceeds the request, whatever the client answers", () => {
    fc.assert(
      fc.property(perms, perms, (requested, answer) => {
        const granted = grantedSubset(requested, answer);
        for (const p of granted.file_system?.read ?? [])
          expect(requested.file_system?.read ?? []).toContain(p);
        for (const p of granted.file_system?.write ?? [])
          expect(requested.file_system?.write ?? []).toContain(p);
        if (granted.network?.enabled) expect(requested.network?.enabled).toBe(true);
      }),
    );
  });

  it("relative paths resolve against the cwd; nothing asked is empty", () => {
    expect(requestedFromArgs({ permissions: { file_system: { write: ["out", "/abs"] } } }, "/ws")).toEqual({
      network: null,
      file_system: { read: null, write: ["/ws/out", "/abs"] },
    });
    expect(
      isEmptyPermissions(requestedFromArgs({ permissions: { network: { enabled: false } } }, "/ws")),
    ).toBe(true);
  });

  it("the model's output has Codex's shape", () => {
    expect(grantOutput({ network: null, file_system: { read: null, write: ["/x"] } }, "turn")).toBe(
      '{"permissions":{"network":null,"file_system":{"write":["/x"]}},"scope":"turn"}',
    );
    expect(grantOutput({ network: { enabled: true }, file_system: null }, "session")).toBe(
      '{"permissions":{"network":{"enabled":true},"file_system":null},"scope":"session"}',
    );
  });

  it("grants add explicit entries to a restricted policy and turn the network on", () => {
    const profile = { fs: restrictedFsPolicy([]), net: "restricted" as const };
    const widened = withGrants(profile, [
      { network: { enabled: true }, file_system: { read: ["/r"], write: ["/w"] } },
    ]);
    expect(widened.net).toBe("enabled");
    expect(widened.fs.entries).toEqual([
      { path: { type: "path", path: "/r" }, access: "read" },
      { path: { type: "path", path: "/w" }, access: "write" },
    ]);
    expect(withGrants(profile, [])).toBe(profile);
  });
});
