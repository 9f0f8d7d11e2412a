import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.js";
import { fixture, type Peer, stdioServer, wsServer } from "./support.js";

/**
 * fs/* against the real server, every message checked against keel's and Codex 0.169's schemas.
 * Expected answers and error texts are the ones Codex 0.169's app-server gave for the same
 * requests (observed with /work/capture/m17-fs/drive.mjs).
 */

const b64 = (text: string) => Buffer.from(text).toString("base64");

async function stdio() {
  const fx = await fixture();
  const { peer } = stdioServer(fx);
  await peer.initialize("keel_fs_test", {});
  const root = tempDir("keel-fs-");
  return { fx, peer, root };
}

function tree(root: string): void {
  fs.mkdirSync(path.join(root, "dir/sub"), { recursive: true });
  fs.mkdirSync(path.join(root, "empty"));
  fs.writeFileSync(path.join(root, "a.txt"), "hello\n");
  fs.writeFileSync(path.join(root, "dir/sub/f"), "x\n");
  fs.symlinkSync("a.txt", path.join(root, "link"));
  fs.symlinkSync("missing", path.join(root, "dangling"));
  fs.symlinkSync("dir", path.join(root, "dirlink"));
  execFileSync("mkfifo", [path.join(root, "fifo")]);
}

const osError = (text: string, errno: number) => ({ code: -32603, message: `${text} (os error ${errno})` });
const badRequest = (message: string) => ({ code: -32600, message });

describe("fs/* over stdio", () => {
  it("reads, writes and creates directories with Codex's answers and errors", async () => {
    const { peer, root } = await stdio();
    tree(root);
    const at = (p: string) => path.join(root, p);
    expect(await peer.request("fs/readFile", { path: at("a.txt") })).toEqual({ dataBase64: b64("hello\n") });
    expect(await peer.request("fs/readFile", { path: `${root}/dir/../link` })).toEqual({
      dataBase64: b64("hello\n"),
    });
    expect((await peer.call("fs/readFile", { path: at("nope") })).error).toEqual(
      osError("No such file or directory", 2),
    );
    expect((await peer.call("fs/readFile", { path: at("dangling") })).error).toEqual(
      osError("No such file or directory", 2),
    );
    expect((await peer.call("fs/readFile", { path: at("dir") })).error).toEqual(
      badRequest(`path \`${at("dir")}\` is not a file`),
    );
    expect((await peer.call("fs/readFile", { path: "relative/x" })).error).toEqual(
      badRequest("Invalid request: AbsolutePathBuf deserialized without a base path"),
    );
    expect((await peer.call("fs/readFile", {})).error).toEqual(
      badRequest("Invalid request: missing field `path`"),
    );

    expect(await peer.request("fs/writeFile", { path: at("w.txt"), dataBase64: b64("hi") })).toEqual({});
    expect(fs.readFileSync(at("w.txt"), "utf8")).toBe("hi");
    expect((await peer.call("fs/writeFile", { path: at("nodir/w.txt"), dataBase64: "aGk=" })).error).toEqual(
      osError("No such file or directory", 2),
    );
    expect((await peer.call("fs/writeFile", { path: at("dir"), dataBase64: "aGk=" })).error).toEqual(
      osError("Is a directory", 21),
    );
    expect((await peer.call("fs/writeFile", { path: at("w2"), dataBase64: "!!notb64" })).error).toEqual(
      badRequest("fs/writeFile requires valid base64 dataBase64: Invalid symbol 33, offset 0."),
    );
    expect((await peer.call("fs/writeFile", { path: at("w3"), dataBase64: "aGk" })).error).toEqual(
      badRequest("fs/writeFile requires valid base64 dataBase64: Invalid padding"),
    );
    expect(fs.existsSync(at("w2")) || fs.existsSync(at("w3"))).toBe(false);

    expect(await peer.request("fs/createDirectory", { path: at("c1/c2") })).toEqual({});
    expect(fs.statSync(at("c1/c2")).isDirectory()).toBe(true);
    expect(await peer.request("fs/createDirectory", { path: at("dir") })).toEqual({});
    expect((await peer.call("fs/createDirectory", { path: at("c3/c4"), recursive: false })).error).toEqual(
      osError("No such file or directory", 2),
    );
    expect((await peer.call("fs/createDirectory", { path: at("dir"), recursive: false })).error).toEqual(
      osError("File exists", 17),
    );
    expect((await peer.call("fs/createDirectory", { path: at("a.txt") })).error).toEqual(
      osError("File exists", 17),
    );
  });

  it("describes paths and lists directories as Codex does (symlinks followed, dangling ones left out)", async () => {
    const { peer, root } = await stdio();
    tree(root);
    const at = (p: string) => path.join(root, p);
    const meta = await peer.request("fs/getMetadata", { path: at("a.txt") });
    expect(meta).toMatchObject({ isDirectory: false, isFile: true, isSymlink: false });
    expect(meta.modifiedAtMs).toBe(Math.floor(fs.statSync(at("a.txt")).mtimeMs));
    expect(await peer.request("fs/getMetadata", { path: at("link") })).toMatchObject({
      isFile: true,
      isSymlink: true,
    });
    expect(await peer.request("fs/getMetadata", { path: at("dirlink") })).toMatchObject({
      isDirectory: true,
      isSymlink: true,
    });
    expect(await peer.request("fs/getMetadata", { path: at("fifo") })).toMatchObject({
      isDirectory: false,
      isFile: false,
      isSymlink: false,
    });
    expect((await peer.call("fs/getMetadata", { path: at("dangling") })).error).toEqual(
      osError("No such file or directory", 2),
    );

    const { entries } = await peer.request("fs/readDirectory", { path: root });
    const byName = (a: { fileName: string }, b: { fileName: string }) => a.fileName.localeCompare(b.fileName);
    expect([...entries].sort(byName)).toEqual([
      { fileName: "a.txt", isDirectory: false, isFile: true },
      { fileName: "dir", isDirectory: true, isFile: false },
      { fileName: "dirlink", isDirectory: true, isFile: false },
      { fileName: "empty", isDirectory: true, isFile: false },
      { fileName: "fifo", isDirectory: false, isFile: false },
      { fileName: "link", isDirectory: false, isFile: true },
    ]);
    expect((await peer.call("fs/readDirectory", { path: at("a.txt") })).error).toEqual(
      osError("Not a directory", 20),
    );
    expect((await peer.call("fs/readDirectory", { path: at("nope") })).error).toEqual(
      osError("No such file or directory", 2),
    );
  });

  it("removes and copies with Codex's defaults and refusals", async () => {
    const { peer, root } = await stdio();
    tree(root);
    const at = (p: string) => path.join(root, p);
    expect(await peer.request("fs/remove", { path: at("nope") })).toEqual({});
    expect((await peer.call("fs/remove", { path: at("nope"), force: false })).error).toEqual(
      osError("No such file or directory", 2),
    );
    expect((await peer.call("fs/remove", { path: at("dir"), recursive: false })).error).toEqual(
      osError("Directory not empty", 39),
    );
    expect(await peer.request("fs/remove", { path: at("empty"), recursive: false })).toEqual({});
    // A symlink to a directory goes, its target stays.
    expect(await peer.request("fs/remove", { path: at("dirlink") })).toEqual({});
    expect(fs.existsSync(at("dirlink"))).toBe(false);
    expect(fs.existsSync(at("dir/sub/f"))).toBe(true);

    expect(await peer.request("fs/copy", { sourcePath: at("a.txt"), destinationPath: at("b.txt") })).toEqual(
      {},
    );
    expect(fs.readFileSync(at("b.txt"), "utf8")).toBe("hello\n");
    expect(
      (await peer.call("fs/copy", { sourcePath: at("dir"), destinationPath: at("dir2") })).error,
    ).toEqual(badRequest("fs/copy requires recursive: true when sourcePath is a directory"));
    expect(
      await peer.request("fs/copy", { sourcePath: at("dir"), destinationPath: at("dir2"), recursive: true }),
    ).toEqual({});
    expect(fs.readFileSync(at("dir2/sub/f"), "utf8")).toBe("x\n");
    expect(
      (
        await peer.call("fs/copy", {
          sourcePath: at("dir"),
          destinationPath: at("dir/sub/in"),
          recursive: true,
        })
      ).error,
    ).toEqual(badRequest("fs/copy cannot copy a directory to itself or one of its descendants"));
    expect((await peer.call("fs/copy", { sourcePath: at("nope"), destinationPath: at("x") })).error).toEqual(
      osError("No such file or directory", 2),
    );
    expect(
      (await peer.call("fs/copy", { sourcePath: at("fifo"), destinationPath: at("fifo2") })).error,
    ).toEqual(badRequest("fs/copy only supports regular files, directories, and symlinks"));
    // A symlink is copied as a link.
    expect(await peer.request("fs/copy", { sourcePath: at("link"), destinationPath: at("link2") })).toEqual(
      {},
    );
    expect(fs.readlinkSync(at("link2"))).toBe("a.txt");
    expect(await peer.request("fs/remove", { path: at("dir2") })).toEqual({});
    expect(fs.existsSync(at("dir2"))).toBe(false);
  });

  it("watches a directory's children and a path created later; unwatch and duplicate ids as in Codex", async () => {
    const { peer, root } = await stdio();
    tree(root);
    const at = (p: string) => path.join(root, p);
    expect(await peer.request("fs/watch", { path: at("dir"), watchId: "w1" })).toEqual({ path: at("dir") });
    expect((await peer.call("fs/watch", { path: at("dir"), watchId: "w1" })).error).toEqual(
      badRequest("watchId already exists: w1"),
    );
    expect(await peer.request("fs/watch", { path: `${root}/dir/../later`, watchId: "w2" })).toEqual({
      path: at("later"),
    });
    fs.writeFileSync(at("dir/new.txt"), "new");
    expect((await peer.notification("fs/changed", (p) => p.watchId === "w1")).params).toEqual({
      watchId: "w1",
      changedPaths: [at("dir/new.txt")],
    });
    fs.mkdirSync(at("later"));
    expect((await peer.notification("fs/changed", (p) => p.watchId === "w2")).params.changedPaths).toEqual([
      at("later"),
    ]);
    fs.writeFileSync(at("later/inside"), "");
    expect(
      (await peer.notification("fs/changed", (p) => p.watchId === "w2" && p.changedPaths[0] !== at("later")))
        .params.changedPaths,
    ).toEqual([at("later/inside")]);

    expect(await peer.request("fs/unwatch", { watchId: "w1" })).toEqual({});
    expect(await peer.request("fs/unwatch", { watchId: "unknown" })).toEqual({});
    peer.drain();
    // After unwatch, a change under w1 is not reported while the still active w2 reports its own.
    fs.writeFileSync(at("dir/after.txt"), "");
    fs.writeFileSync(at("later/second"), "");
    await peer.notification(
      "fs/changed",
      (p) => p.watchId === "w2" && p.changedPaths.includes(at("later/second")),
    );
    expect(
      peer.received.filter(
        (m) => m.method === "fs/changed" && m.params.changedPaths.includes(at("dir/after.txt")),
      ),
    ).toEqual([]);
  });
});

const FS_CALLS: [string, (root: string) => unknown][] = [
  ["fs/readFile", (r) => ({ path: `${r}/a.txt` })],
  ["fs/writeFile", (r) => ({ path: `${r}/written`, dataBase64: "aGk=" })],
  ["fs/createDirectory", (r) => ({ path: `${r}/made` })],
  ["fs/getMetadata", (r) => ({ path: `${r}/a.txt` })],
  ["fs/readDirectory", (r) => ({ path: r })],
  ["fs/remove", (r) => ({ path: `${r}/a.txt` })],
  ["fs/copy", (r) => ({ sourcePath: `${r}/a.txt`, destinationPath: `${r}/copied` })],
  ["fs/watch", (r) => ({ path: r, watchId: "w" })],
  ["fs/unwatch", () => ({ watchId: "w" })],
];

describe("fs/* trust over WebSocket", () => {
  it("an unauthenticated ws listener refuses every fs method with a precise error and touches nothing", async () => {
    const fx = await fixture();
    const root = tempDir("keel-fs-ws-");
    fs.writeFileSync(path.join(root, "a.txt"), "secret");
    const server = await wsServer(fx);
    const peer = await server.connect();
    await peer.initialize("keel_fs_test", {});
    for (const [method, params] of FS_CALLS) {
      expect((await peer.call(method, params(root))).error).toEqual(
        badRequest(
          `${method} is not available on an unauthenticated WebSocket listener: start the app-server with --ws-auth, or connect over stdio or a unix socket`,
        ),
      );
    }
    expect(fs.readdirSync(root)).toEqual(["a.txt"]);
  });

  async function works(peer: Peer, root: string) {
    await peer.initialize("keel_fs_test", {});
    expect(await peer.request("fs/readFile", { path: `${root}/a.txt` })).toEqual({
      dataBase64: b64("secret"),
    });
    expect(await peer.request("fs/writeFile", { path: `${root}/w`, dataBase64: b64("ok") })).toEqual({});
    expect(fs.readFileSync(path.join(root, "w"), "utf8")).toBe("ok");
  }

  it("an authenticated ws listener and a unix socket serve them", async () => {
    const fx = await fixture();
    const root = tempDir("keel-fs-ws-");
    fs.writeFileSync(path.join(root, "a.txt"), "secret");
    const tokenFile = path.join(root, "..", `token-${path.basename(root)}`);
    fs.writeFileSync(tokenFile, "fs-test-token\n");
    const authed = await wsServer(fx, {
      args: ["--ws-auth", "capability-token", "--ws-token-file", tokenFile],
      headers: { authorization: "Bearer fs-test-token" },
    });
    await works(await authed.connect("ws-auth"), root);
    const socketDir = tempDir("keel-fs-sock-");
    const unix = await wsServer(fx, { listen: `unix://${socketDir}/s.sock` });
    await works(await unix.connect("unix"), root);
  });
});
