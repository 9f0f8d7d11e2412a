import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import util from "node:util";
import type { FsGetMetadataResponse, FsReadDirectoryEntry } from "../protocol/v2/fs.js";

/**
 * The client's file operations on the server's host (the `fs/*` methods). No sandbox applies:
 * they act with the server's own rights, like Codex's. Failures are `HostFsError`s worded as
 * Codex words them: `request` for a request the client can fix, `os` for what the OS refused
 * (`No such file or directory (os error 2)`).
 */
export class HostFsError extends Error {
  constructor(
    readonly kind: "request" | "os",
    message: string,
  ) {
    super(message);
  }
}

/** glibc's texts (what Codex shows); libuv's lower-case ones for anything else. */
const STRERROR: Record<string, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EIO: "Input/output error",
  EACCES: "Permission denied",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  EXDEV: "Invalid cross-device link",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  EMFILE: "Too many open files",
  EFBIG: "File too large",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  ENAMETOOLONG: "File name too long",
  ENOTEMPTY: "Directory not empty",
  ELOOP: "Too many levels of symbolic links",
  EDQUOT: "Disk quota exceeded",
};

/** An OS error as Rust's `io::Error` displays it; anything else unchanged. */
export function osError(error: unknown): HostFsError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const errno = code === undefined ? undefined : os.constants.errno[code as keyof typeof os.constants.errno];
  if (code === undefined || errno === undefined) {
    return new HostFsError("os", error instanceof Error ? error.message : String(error));
  }
  const fallback = util.getSystemErrorMap().get(-errno)?.[1] ?? code;
  const text = STRERROR[code] ?? fallback.charAt(0).toUpperCase() + fallback.slice(1);
  return new HostFsError("os", `${text} (os error ${errno})`);
}

async function withOsErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof HostFsError) throw error;
    throw osError(error);
  }
}

/** Codex's `AbsolutePathBuf`: absolute, `.`/`..` resolved lexically, symlinks kept. */
export function absolutePath(raw: string): string {
  if (!path.isAbsolute(raw))
    throw new HostFsError("request", "Invalid request: AbsolutePathBuf deserialized without a base path");
  return path.resolve(raw);
}

const BASE64_SYMBOL = /[A-Za-z0-9+/]/;

/** Strict standard base64 (padding required), with the Rust `base64` crate's error texts. */
export function decodeBase64(data: string, method: string): Buffer {
  const fail = (why: string) =>
    new HostFsError("request", `${method} requires valid base64 dataBase64: ${why}`);
  const body = data.replace(/={1,2}$/, "");
  for (let i = 0; i < body.length; i++) {
    if (!BASE64_SYMBOL.test(body[i]!)) throw fail(`Invalid symbol ${body.charCodeAt(i)}, offset ${i}.`);
  }
  if (body.length % 4 === 1) throw fail(`Invalid input length: ${body.length}.`);
  if (data.length % 4 !== 0) throw fail("Invalid padding");
  return Buffer.from(data, "base64");
}

export async function readHostFile(raw: string): Promise<string> {
  const file = absolutePath(raw);
  return withOsErrors(async () => {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new HostFsError("request", `path \`${file}\` is not a file`);
    return (await fs.readFile(file)).toString("base64");
  });
}

export async function writeHostFile(raw: string, dataBase64: string): Promise<void> {
  const file = absolutePath(raw);
  const bytes = decodeBase64(dataBase64, "fs/writeFile");
  await withOsErrors(() => fs.writeFile(file, bytes));
}

export async function createHostDirectory(raw: string, recursive: boolean): Promise<void> {
  const dir = absolutePath(raw);
  await withOsErrors(async () => {
    if (!recursive) return void (await fs.mkdir(dir));
    // mkdir -p succeeds on an existing directory but must not on an existing file.
    const existing = await fs.stat(dir).catch(() => null);
    if (existing && !existing.isDirectory()) throw Object.assign(new Error("exists"), { code: "EEXIST" });
    await fs.mkdir(dir, { recursive: true });
  });
}

const wholeMs = (ms: number) => (Number.isFinite(ms) && ms > 0 ? Math.floor(ms) : 0);

export async function hostMetadata(raw: string): Promise<FsGetMetadataResponse> {
  const target = absolutePath(raw);
  return withOsErrors(async () => {
    const link = await fs.lstat(target);
    const stat = link.isSymbolicLink() ? await fs.stat(target) : link;
    return {
      isDirectory: stat.isDirectory(),
      isFile: stat.isFile(),
      isSymlink: link.isSymbolicLink(),
      createdAtMs: wholeMs(stat.birthtimeMs),
      modifiedAtMs: wholeMs(stat.mtimeMs),
    };
  });
}

/** Direct children in the OS's order; a symlink counts as its target, a dangling one is left out. */
export async function readHostDirectory(raw: string): Promise<FsReadDirectoryEntry[]> {
  const dir = absolutePath(raw);
  const dirents = await withOsErrors(() => fs.readdir(dir, { withFileTypes: true }));
  const entries: FsReadDirectoryEntry[] = [];
  for (const dirent of dirents) {
    let kind: { isDirectory(): boolean; isFile(): boolean } = dirent;
    if (dirent.isSymbolicLink()) {
      const target = await fs.stat(path.join(dir, dirent.name)).catch(() => null);
      if (target === null) continue;
      kind = target;
    }
    entries.push({ fileName: dirent.name, isDirectory: kind.isDirectory(), isFile: kind.isFile() });
  }
  return entries;
}

export async function removeHostPath(raw: string, recursive: boolean, force: boolean): Promise<void> {
  const target = absolutePath(raw);
  await withOsErrors(async () => {
    const stat = await fs.lstat(target).catch((error: NodeJS.ErrnoException) => {
      if (force && error.code === "ENOENT") return null;
      throw error;
    });
    if (stat === null) return;
    if (!stat.isDirectory()) await fs.unlink(target);
    else if (recursive) await fs.rm(target, { recursive: true, force: true });
    else await fs.rmdir(target);
  });
}

/** A file is overwritten, a symlink copied as a link, a directory (recursive only) merged into. */
export async function copyHostPath(
  rawSource: string,
  rawDestination: string,
  recursive: boolean,
): Promise<void> {
  const source = absolutePath(rawSource);
  const destination = absolutePath(rawDestination);
  await withOsErrors(async () => {
    const stat = await fs.lstat(source);
    if (stat.isDirectory()) {
      if (!recursive)
        throw new HostFsError("request", "fs/copy requires recursive: true when sourcePath is a directory");
      if (destination === source || destination.startsWith(`${source}${path.sep}`))
        throw new HostFsError(
          "request",
          "fs/copy cannot copy a directory to itself or one of its descendants",
        );
      await copyTree(source, destination);
    } else if (stat.isSymbolicLink()) {
      await copyLink(source, destination);
    } else if (stat.isFile()) {
      await fs.copyFile(source, destination);
    } else {
      throw new HostFsError("request", "fs/copy only supports regular files, directories, and symlinks");
    }
  });
}

async function copyLink(source: string, destination: string): Promise<void> {
  const target = await fs.readlink(source);
  await fs.rm(destination, { force: true });
  await fs.symlink(target, destination);
}

/** Other file types (FIFOs, sockets, devices) inside a tree are skipped. */
async function copyTree(source: string, destination: string): Promise<void> {
  await fs.mkdir(destination, { recursive: true });
  for (const dirent of await fs.readdir(source, { withFileTypes: true })) {
    const from = path.join(source, dirent.name);
    const to = path.join(destination, dirent.name);
    if (dirent.isDirectory()) await copyTree(from, to);
    else if (dirent.isSymbolicLink()) await copyLink(from, to);
    else if (dirent.isFile()) await fs.copyFile(from, to);
  }
}
