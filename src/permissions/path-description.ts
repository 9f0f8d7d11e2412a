import type { FileSystemPath } from "../protocol/permissions.js";

/**
 * A permission entry's path as a person reads it (`/repo`, `glob **\/*.env`, `:tmpdir`). Free of
 * Node imports: the web page (web/) bundles it too.
 */
export function describeFileSystemPath(path: FileSystemPath): string {
  switch (path.type) {
    case "path":
      return path.path;
    case "glob_pattern":
      return `glob ${path.pattern}`;
    case "special": {
      const v = path.value;
      if (v.kind === "project_roots" && v.subpath !== undefined) return `:project_roots/${v.subpath}`;
      if (v.kind === "unknown") return `${v.path}${v.subpath === undefined ? "" : `/${v.subpath}`} (unknown)`;
      return `:${v.kind}`;
    }
  }
}
