/**
 * Classic-BPF seccomp programs for `bwrap --seccomp FD`, assembled in a Buffer (no native code,
 * no libseccomp). bwrap sets `no_new_privs` and installs the program right before exec, so it
 * applies to the command and everything it starts. Spec: sandbox-linux.md §4.3.
 *
 * Two shapes:
 * - base (every sandbox): foreign ABIs killed, x32 numbers and a list of kernel-attack-surface
 *   calls (io_uring, ptrace, process_vm_*, keyrings, bpf, perf, userfaultfd) fail with EPERM,
 *   `socket(AF_VSOCK)` fails with EPERM.
 * - strict offline (network restricted, on top of the namespace): `socket`/`socketpair` only for
 *   AF_UNIX, `connect` always EPERM (closes host pathname unix sockets), `sendto` with a
 *   destination address EPERM, `sendmmsg` EPERM. `bind`/`listen`/`accept` and `send` on a
 *   socketpair keep working.
 * - proxy-routed (managed network proxy, on top of the namespace; Codex's filter of that name):
 *   `socket` only for AF_INET/AF_INET6 (the namespace's loopback holds nothing but the proxy
 *   bridge; no AF_UNIX, so no host pathname socket), `socketpair` only for AF_UNIX.
 */

export type SeccompArch = "x86_64" | "aarch64";
export type SeccompNetworkMode = "strict-offline" | "proxy-routed" | "enabled";

interface ArchInfo {
  auditArch: number;
  /** x86_64 only: syscall numbers with this bit set belong to the x32 ABI. */
  x32Bit: number | null;
  nr: Record<SyscallName, number>;
}

type SyscallName =
  | "socket"
  | "socketpair"
  | "connect"
  | "sendto"
  | "sendmmsg"
  | "ptrace"
  | "process_vm_readv"
  | "process_vm_writev"
  | "add_key"
  | "request_key"
  | "keyctl"
  | "bpf"
  | "perf_event_open"
  | "userfaultfd"
  | "io_uring_setup"
  | "io_uring_enter"
  | "io_uring_register";

const ARCHES: Record<SeccompArch, ArchInfo> = {
  x86_64: {
    auditArch: 0xc000003e,
    x32Bit: 0x40000000,
    nr: {
      socket: 41,
      socketpair: 53,
      connect: 42,
      sendto: 44,
      sendmmsg: 307,
      ptrace: 101,
      process_vm_readv: 310,
      process_vm_writev: 311,
      add_key: 248,
      request_key: 249,
      keyctl: 250,
      bpf: 321,
      perf_event_open: 298,
      userfaultfd: 323,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
    },
  },
  aarch64: {
    auditArch: 0xc00000b7,
    x32Bit: null,
    nr: {
      socket: 198,
      socketpair: 199,
      connect: 203,
      sendto: 206,
      sendmmsg: 269,
      ptrace: 117,
      process_vm_readv: 270,
      process_vm_writev: 271,
      add_key: 217,
      request_key: 218,
      keyctl: 219,
      bpf: 280,
      perf_event_open: 241,
      userfaultfd: 282,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
    },
  },
};

/** Denied in every sandbox, whatever the network policy. */
export const ALWAYS_DENIED_SYSCALLS: readonly SyscallName[] = [
  "io_uring_setup",
  "io_uring_enter",
  "io_uring_register",
  "ptrace",
  "process_vm_readv",
  "process_vm_writev",
  "add_key",
  "request_key",
  "keyctl",
  "bpf",
  "perf_event_open",
  "userfaultfd",
];

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_VSOCK = 40;
const EPERM = 1;

export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;

// struct seccomp_data offsets
const OFF_NR = 0;
const OFF_ARCH = 4;
const argLow = (i: number) => 16 + 8 * i;
const argHigh = (i: number) => 16 + 8 * i + 4;

// BPF opcodes
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06;

/** The machine's seccomp architecture, or null when keel has no filter for it. */
export function currentSeccompArch(nodeArch: string = process.arch): SeccompArch | null {
  if (nodeArch === "x64") return "x86_64";
  if (nodeArch === "arm64") return "aarch64";
  return null;
}

type Target = string | "next";
type Insn =
  | { op: "ld"; offset: number }
  | { op: "jeq" | "jset"; k: number; jt: Target; jf: Target }
  | { op: "ret"; k: number }
  | { op: "label"; name: string };

/** A tiny two-pass assembler: labels resolve to forward jump offsets (at most 255 records). */
function assemble(program: Insn[]): Buffer {
  const records = program.filter((i): i is Exclude<Insn, { op: "label" }> => i.op !== "label");
  const labels = new Map<string, number>();
  let index = 0;
  for (const insn of program) {
    if (insn.op === "label") labels.set(insn.name, index);
    else index++;
  }
  const buf = Buffer.alloc(records.length * 8);
  records.forEach((insn, at) => {
    const offset = (target: Target): number => {
      if (target === "next") return 0;
      const dest = labels.get(target);
      if (dest === undefined) throw new Error(`seccomp assembler: unknown label ${target}`);
      const jump = dest - at - 1;
      if (jump < 0 || jump > 255) throw new Error(`seccomp assembler: jump to ${target} out of range`);
      return jump;
    };
    let code = 0;
    let jt = 0;
    let jf = 0;
    let k = 0;
    switch (insn.op) {
      case "ld":
        code = BPF_LD_W_ABS;
        k = insn.offset;
        break;
      case "jeq":
      case "jset":
        code = insn.op === "jeq" ? BPF_JEQ_K : BPF_JSET_K;
        jt = offset(insn.jt);
        jf = offset(insn.jf);
        k = insn.k;
        break;
      case "ret":
        code = BPF_RET_K;
        k = insn.k;
        break;
    }
    buf.writeUInt16LE(code, at * 8);
    buf.writeUInt8(jt, at * 8 + 2);
    buf.writeUInt8(jf, at * 8 + 3);
    buf.writeUInt32LE(k >>> 0, at * 8 + 4);
  });
  return buf;
}

export interface SeccompOptions {
  arch: SeccompArch;
  network: SeccompNetworkMode;
}

/** The filter program as raw `struct sock_filter` records (little-endian, 8 bytes each). */
export function buildSeccompProgram(options: SeccompOptions): Buffer {
  const arch = ARCHES[options.arch];
  const strict = options.network === "strict-offline";
  const p: Insn[] = [
    { op: "ld", offset: OFF_ARCH },
    { op: "jeq", k: arch.auditArch, jt: "next", jf: "kill" },
    { op: "ld", offset: OFF_NR },
  ];
  if (arch.x32Bit !== null) p.push({ op: "jset", k: arch.x32Bit, jt: "deny", jf: "next" });
  for (const name of ALWAYS_DENIED_SYSCALLS) p.push({ op: "jeq", k: arch.nr[name], jt: "deny", jf: "next" });
  const routed = options.network === "proxy-routed";
  p.push({ op: "jeq", k: arch.nr.socket, jt: "socket", jf: "next" });
  p.push({ op: "jeq", k: arch.nr.socketpair, jt: routed ? "socketpair" : "socket", jf: "next" });
  if (strict) {
    p.push({ op: "jeq", k: arch.nr.connect, jt: "deny", jf: "next" });
    p.push({ op: "jeq", k: arch.nr.sendmmsg, jt: "deny", jf: "next" });
    p.push({ op: "jeq", k: arch.nr.sendto, jt: "sendto", jf: "next" });
  }
  p.push({ op: "ret", k: SECCOMP_RET_ALLOW });

  // socket(domain, …) / socketpair(domain, …): the kernel reads `int domain`, so the low half is it.
  p.push({ op: "label", name: "socket" }, { op: "ld", offset: argLow(0) });
  if (strict) p.push({ op: "jeq", k: AF_UNIX, jt: "allow", jf: "deny" });
  else if (routed) {
    p.push(
      { op: "jeq", k: AF_INET, jt: "allow", jf: "next" },
      { op: "jeq", k: AF_INET6, jt: "allow", jf: "deny" },
    );
    p.push({ op: "label", name: "socketpair" }, { op: "ld", offset: argLow(0) });
    p.push({ op: "jeq", k: AF_UNIX, jt: "allow", jf: "deny" });
  } else p.push({ op: "jeq", k: AF_VSOCK, jt: "deny", jf: "allow" });

  if (strict) {
    // sendto(fd, buf, len, flags, dest_addr, addrlen): only a NULL destination (plain send) passes.
    p.push(
      { op: "label", name: "sendto" },
      { op: "ld", offset: argLow(4) },
      { op: "jeq", k: 0, jt: "next", jf: "deny" },
      { op: "ld", offset: argHigh(4) },
      { op: "jeq", k: 0, jt: "allow", jf: "deny" },
    );
  }
  p.push(
    { op: "label", name: "allow" },
    { op: "ret", k: SECCOMP_RET_ALLOW },
    { op: "label", name: "deny" },
    { op: "ret", k: SECCOMP_RET_ERRNO | EPERM },
    { op: "label", name: "kill" },
    { op: "ret", k: SECCOMP_RET_KILL_PROCESS },
  );
  return assemble(p);
}

/** Interpreter for the subset of classic BPF emitted above; used by the tests to check verdicts. */
export function evaluateSeccompProgram(
  program: Buffer,
  data: { arch: number; nr: number; args?: readonly bigint[] },
): number {
  const view = Buffer.alloc(64);
  view.writeUInt32LE(data.nr >>> 0, OFF_NR);
  view.writeUInt32LE(data.arch >>> 0, OFF_ARCH);
  (data.args ?? []).forEach((value, i) => {
    view.writeBigUInt64LE(BigInt.asUintN(64, value), 16 + 8 * i);
  });
  let acc = 0;
  for (let pc = 0; pc * 8 < program.length; pc++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    if (code === BPF_LD_W_ABS) acc = view.readUInt32LE(k);
    else if (code === BPF_RET_K) return k;
    else if (code === BPF_JEQ_K) pc += acc === k ? jt : jf;
    else if (code === BPF_JSET_K) pc += (acc & k) !== 0 ? jt : jf;
    else throw new Error(`unsupported BPF opcode 0x${code.toString(16)}`);
  }
  throw new Error("BPF program fell off the end");
}

export function seccompArchInfo(arch: SeccompArch): {
  auditArch: number;
  nr: Readonly<Record<string, number>>;
} {
  return { auditArch: ARCHES[arch].auditArch, nr: ARCHES[arch].nr };
}
