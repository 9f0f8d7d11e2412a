import { buildConfigReadResponse } from "../../config/report.js";
import { buildConfigRequirementsReadResponse, loadRequirements } from "../../config/requirements.js";
import { BUILTIN_PROFILE_IDS } from "../../permissions/index.js";
import type { PermissionProfileSummary } from "../../protocol/v2/permissionProfile.js";
import { paginate } from "../handlers/thread.js";
import type { HandlerModule } from "../router.js";
import { loadEngineConfig } from "./config-loader.js";
import type { Engine } from "./engine.js";
import { ModelCatalog, modelProviderList } from "./models.js";
import { wire } from "./wire-errors.js";

/** config/read, configRequirements/read, model/list and permissionProfile/list (spec §10, §11). */
export function configHandlers(engine: Engine): HandlerModule {
  const catalog = new ModelCatalog(engine.config.env);
  const load = (cwd: string | null | undefined) => loadEngineConfig(engine.config, cwd ? { cwd } : {});

  /** Whether the requirements allow a profile (its legacy projection passes the sandbox constraint). */
  const allowed = (id: string, cwd: string, requirement: ReturnType<typeof load>["requirements"]) => {
    try {
      const compiled = loadEngineConfig(
        { ...engine.config, requirementsFile: null },
        { permissions: id, cwd },
      );
      return requirement.sandboxPolicy.clone().set(compiled.sandboxPolicy.value) === null;
    } catch {
      return false;
    }
  };

  return {
    resource: "config",
    handlers: {
      "config/read": (params) =>
        wire(() => buildConfigReadResponse(load(params.cwd), params.includeLayers === true) as never),
      "configRequirements/read": () =>
        wire(() => {
          const file = engine.config.requirementsFile;
          return file === null
            ? { requirements: null }
            : buildConfigRequirementsReadResponse(loadRequirements(file));
        }),
      "model/list": async (params, context) => {
        try {
          const data = await catalog.list(load(null), {
            providerId: params.modelProvider,
            includeHidden: params.includeHidden,
            client: context.connection.clientInfo,
          });
          return paginate(data, params.cursor, params.limit);
        } catch (error) {
          engine.server.log(`model/list: ${(error as Error).message}`);
          return { data: [], nextCursor: null };
        }
      },
      "modelProvider/list": () => wire(() => modelProviderList(load(null))),
      "permissionProfile/list": (params) =>
        wire(() => {
          const loaded = load(params.cwd);
          const configured = (loaded.toml.permissions ?? {}) as Record<string, { description?: unknown }>;
          const data: PermissionProfileSummary[] = [
            ...BUILTIN_PROFILE_IDS.map((id) => ({ id, description: null })),
            ...Object.entries(configured).map(([id, p]) => ({
              id,
              description: typeof p?.description === "string" ? p.description : null,
            })),
          ].map((p) => ({ ...p, allowed: allowed(p.id, loaded.cwd, loaded.requirements) }));
          return paginate(data, params.cursor, params.limit);
        }),
    },
  };
}
