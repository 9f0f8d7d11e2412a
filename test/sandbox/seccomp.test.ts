import { describe, expect, it } from "vitest";
import {
  buildSeccompProgram,
  evaluateSeccompProgram,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  type SeccompArch,
  seccompArchInfo,
} from "../../src/sandbox/linux/seccomp.js";

const EPERM = SECCOMP_RET_ERRNO | 1;
const AF_UNIX = 1n;
const AF_INET = 2n;
const AF_INET6 = 10n;
const AF_NETLINK = 16n;
const AF_PACKET = 17n;
const AF_VSOCK = 40n;

function verdict(arch: SeccompArch, network: "strict-offline" | "proxy-routed" | "enabled") {
  const program = buildSeccompProgram({ arch, network });
  const info = seccompArchInfo(arch);
  return (name: string | number, args: bigint[] = [], auditArch = info.auditArch) =>
    evaluateSeccompProgram(program, {
      arch: auditArch,
      nr: typeof name === "number" ? name : info.nr[name]!,
      args,
    });
}

describe.each(["x86_64", "aarch64"] as const)("seccomp program (%s)", (arch) => {
  it("is a whole number of 8-byte records", () => {
    for (const network of ["strict-offline", "proxy-routed", "enabled"] as const) {
      expect(buildSeccompProgram({ arch, network }).length % 8).toBe(0);
    }
  });

  it("offline: only AF_UNIX sockets, no connect, no addressed sendto", () => {
    const v = verdict(arch, "strict-offline");
    expect(v("socket", [AF_INET])).toBe(EPERM);
    expect(v("socket", [AF_INET6])).toBe(EPERM);
    expect(v("socket", [AF_PACKET])).toBe(EPERM);
    expect(v("socket", [AF_NETLINK])).toBe(EPERM);
    expect(v("socket", [AF_VSOCK])).toBe(EPERM);
    expect(v("socket", [AF_UNIX])).toBe(SECCOMP_RET_ALLOW);
    expect(v("socketpair", [AF_UNIX])).toBe(SECCOMP_RET_ALLOW);
    expect(v("socketpair", [AF_INET])).toBe(EPERM);
    // the kernel reads an int: garbage in the high half does not hide AF_INET
    expect(v("socket", [(0xdeadbeefn << 32n) | AF_INET])).toBe(EPERM);
    expect(v("connect")).toBe(EPERM);
    expect(v("sendmmsg")).toBe(EPERM);
    expect(v("sendto", [3n, 0n, 0n, 0n, 0n, 0n])).toBe(SECCOMP_RET_ALLOW);
    expect(v("sendto", [3n, 0n, 0n, 0n, 0x7fff0000n, 16n])).toBe(EPERM);
    expect(v("sendto", [3n, 0n, 0n, 0n, 0x1_0000_0000n, 16n])).toBe(EPERM);
  });

  it("online: sockets and connect pass, AF_VSOCK does not", () => {
    const v = verdict(arch, "enabled");
    expect(v("socket", [AF_INET])).toBe(SECCOMP_RET_ALLOW);
    expect(v("socket", [AF_INET6])).toBe(SECCOMP_RET_ALLOW);
    expect(v("socket", [AF_VSOCK])).toBe(EPERM);
    expect(v("connect")).toBe(SECCOMP_RET_ALLOW);
    expect(v("sendto", [3n, 0n, 0n, 0n, 0x7fff0000n, 16n])).toBe(SECCOMP_RET_ALLOW);
  });

  it("proxy-routed: only AF_INET/AF_INET6 sockets, AF_UNIX socketpairs, connect allowed", () => {
    const v = verdict(arch, "proxy-routed");
    expect(v("socket", [AF_INET])).toBe(SECCOMP_RET_ALLOW);
    expect(v("socket", [AF_INET6])).toBe(SECCOMP_RET_ALLOW);
    for (const family of [AF_UNIX, AF_NETLINK, AF_PACKET, AF_VSOCK])
      expect(v("socket", [family])).toBe(EPERM);
    expect(v("socket", [(0xdeadbeefn << 32n) | AF_UNIX])).toBe(EPERM);
    expect(v("socketpair", [AF_UNIX])).toBe(SECCOMP_RET_ALLOW);
    expect(v("socketpair", [AF_INET])).toBe(EPERM);
    expect(v("connect")).toBe(SECCOMP_RET_ALLOW);
    expect(v("sendto", [3n, 0n, 0n, 0n, 0x7fff0000n, 16n])).toBe(SECCOMP_RET_ALLOW);
  });

  it.each(["strict-offline", "proxy-routed", "enabled"] as const)(
    "always denies the kernel-attack-surface calls (%s)",
    (network) => {
      const v = verdict(arch, network);
      for (const name of [
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        "ptrace",
        "process_vm_readv",
        "process_vm_writev",
        "keyctl",
        "add_key",
        "request_key",
        "bpf",
        "perf_event_open",
        "userfaultfd",
      ]) {
        expect(v(name), name).toBe(EPERM);
      }
      expect(v(0)).toBe(SECCOMP_RET_ALLOW); // read (x86_64) / io_setup (aarch64): ordinary calls pass
      // a foreign ABI (i386 via int 0x80, or arm32) is killed outright
      expect(v("socket", [AF_UNIX], 0x40000003)).toBe(SECCOMP_RET_KILL_PROCESS);
    },
  );
});

it("x86_64: x32 syscall numbers are refused", () => {
  const v = verdict("x86_64", "enabled");
  expect(v(0x40000000 | 41, [AF_INET])).toBe(EPERM);
  expect(v(0x40000000 | 0)).toBe(EPERM);
});
