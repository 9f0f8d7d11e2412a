import type { ClientRequestMethod } from "../../protocol/v2/registry.js";
import {
  HostFsError,
  absolutePath,
  copyHostPath,
  createHostDirectory,
  hostMetadata,
  readHostDirectory,
  readHostFile,
  removeHostPath,
  writeHostFile,
} from "../../workspace/host-fs.js";
import { PathWatch } from "../../workspace/path-watch.js";
import type { Connection } from "../connection.js";
import { internalError, invalidRequest, RpcError } from "../errors.js";
import { refuseUntrusted } from "./host-access.js";
import type { HandlerModule, RequestContext } from "../router.js";

/**
 * `fs/*` (Codex 0.169): the client's own file operations on the server's host. As in Codex no
 * thread's sandbox applies — the client already owns the machine the server runs on — but keel
 * only offers them to peers that proved it: stdio, a unix socket (mode 0600) or an authenticated
 * WebSocket listener. Watches belong to their connection and end with it.
 */

/** Runs one fs operation with its trust check, mapping failures to Codex's codes. */
function guarded<T>(method: ClientRequestMethod, run: () => Promise<T>) {
  return async (context: RequestContext): Promise<T> => {
    refuseUntrusted(method, context.connection);
    try {
      return await run();
    } catch (error) {
      if (error instanceof RpcError) throw error;
      if (error instanceof HostFsError)
        throw error.kind === "request" ? invalidRequest(error.message) : internalError(error.message);
      throw internalError(error instanceof Error ? error.message : String(error));
    }
  };
}

/** Live watches by connection, then by the client's watch id. */
class WatchTable {
  private readonly live = new Map<Connection, Map<string, PathWatch>>();

  add(connection: Connection, watchId: string, target: string): void {
    let watches = this.live.get(connection);
    if (!watches) {
      const created = new Map<string, PathWatch>();
      this.live.set(connection, created);
      connection.onClose(() => {
        for (const watch of created.values()) watch.close();
        this.live.delete(connection);
      });
      watches = created;
    }
    if (watches.has(watchId)) throw invalidRequest(`watchId already exists: ${watchId}`);
    watches.set(
      watchId,
      new PathWatch(target, (changedPaths) => connection.notify("fs/changed", { watchId, changedPaths })),
    );
  }

  /** Unknown ids are fine (Codex answers `{}` too). */
  remove(connection: Connection, watchId: string): void {
    const watches = this.live.get(connection);
    watches?.get(watchId)?.close();
    watches?.delete(watchId);
  }
}

export function fsHandlers(): HandlerModule {
  const watches = new WatchTable();
  return {
    resource: "fs",
    handlers: {
      "fs/readFile": (p, c) =>
        guarded("fs/readFile", async () => ({ dataBase64: await readHostFile(p.path) }))(c),
      "fs/writeFile": (p, c) =>
        guarded("fs/writeFile", async () => {
          await writeHostFile(p.path, p.dataBase64);
          return {};
        })(c),
      "fs/createDirectory": (p, c) =>
        guarded("fs/createDirectory", async () => {
          await createHostDirectory(p.path, p.recursive ?? true);
          return {};
        })(c),
      "fs/getMetadata": (p, c) => guarded("fs/getMetadata", () => hostMetadata(p.path))(c),
      "fs/readDirectory": (p, c) =>
        guarded("fs/readDirectory", async () => ({ entries: await readHostDirectory(p.path) }))(c),
      "fs/remove": (p, c) =>
        guarded("fs/remove", async () => {
          await removeHostPath(p.path, p.recursive ?? true, p.force ?? true);
          return {};
        })(c),
      "fs/copy": (p, c) =>
        guarded("fs/copy", async () => {
          await copyHostPath(p.sourcePath, p.destinationPath, p.recursive === true);
          return {};
        })(c),
      "fs/watch": (p, c) =>
        guarded("fs/watch", async () => {
          const target = absolutePath(p.path);
          watches.add(c.connection, p.watchId, target);
          return { path: target };
        })(c),
      "fs/unwatch": (p, c) =>
        guarded("fs/unwatch", async () => {
          watches.remove(c.connection, p.watchId);
          return {};
        })(c),
    },
  };
}
