import { describeDecider, explainPath } from "../../config/explain.js";
import { describeLayerSource } from "../../config/layer-source.js";
import type { LoadedConfig } from "../../config/load.js";
import { withGrants } from "../../tools/runtime/permission-grants.js";
import type { HandlerModule } from "../router.js";
import { loadEngineConfig } from "./config-loader.js";
import type { Engine } from "./engine.js";
import { wire } from "./wire-errors.js";

/**
 * keel-only experimental `permissions/explain`: the `keel permissions explain` logic for a loaded
 * thread. The thread's configuration is loaded again (at its cwd, with its request overrides) for
 * the layers and protected paths, but the session's own policy decides: thread/start overrides
 * and thread/settings/update may have changed it since, and `request_permissions` grants (the
 * session's, and the running turn's) widen it.
 */
export function permissionsExplainHandlers(engine: Engine): HandlerModule {
  return {
    resource: "permissions (explain)",
    handlers: {
      "permissions/explain": (params) =>
        wire(async () => {
          const thread = engine.require(params.threadId);
          const config = thread.session.config();
          const loaded = loadEngineConfig(engine.config, { cwd: config.cwd }, thread.facts.requestConfig);
          // What request_permissions granted widens it, as it does for the thread's commands.
          const granted = withGrants(
            { fs: config.fileSystemSandboxPolicy, net: config.networkSandboxPolicy },
            thread.session.permissionGrants(),
            config.keelHome,
            config.cwd,
          );
          const effective: LoadedConfig = Object.assign(Object.create(loaded) as LoadedConfig, {
            cwd: config.cwd,
            fileSystemSandboxPolicy: granted.fs,
            networkSandboxPolicy: granted.net,
          });
          const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
          const result = explainPath(effective, params.path, { uid });
          return {
            path: result.path,
            read: result.read,
            write: result.write,
            reason: describeDecider(result),
            source: result.source === null ? null : describeLayerSource(result.source),
          };
        }),
    },
  };
}
