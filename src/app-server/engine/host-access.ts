import type { ClientRequestMethod } from "../../protocol/v2/registry.js";
import type { Connection } from "../connection.js";
import { invalidRequest } from "../errors.js";

/**
 * Methods that read or write any host path outside every sandbox (`fs/*`, feedback/save's
 * `savePath`) answer only peers that proved who they are: stdio, a unix socket (mode 0600) or
 * an authenticated WebSocket listener. Anyone else is refused before anything is touched.
 */
export function refuseUntrusted(method: ClientRequestMethod, connection: Connection): void {
  if (!connection.hostFileAccess)
    throw invalidRequest(
      `${method} is not available on an unauthenticated WebSocket listener: start the app-server with --ws-auth, or connect over stdio or a unix socket`,
    );
}
