import type { ThreadMetadata } from "../rollout/metadata.js";
import { type ThreadExport, ThreadExistsError, type ThreadStore } from "./types.js";

/** Every thread id of a store, live and archived, oldest first. */
export async function allThreadIds(store: ThreadStore): Promise<string[]> {
  const ids: string[] = [];
  for (const archived of [false, true]) {
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<ThreadStore["listThreads"]>> = await store.listThreads({
        archived,
        limit: 1000,
        sortKey: "created_at",
        sortDirection: "asc",
        cursor,
      });
      ids.push(...page.data.map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor);
  }
  return ids;
}

export interface MigrateReport {
  copied: number;
  /** Already in the target (a re-run): left as they are; `check` compares them. */
  skipped: string[];
}

/** Copies every thread of `from` into `to`: each line verbatim, names, archive state, timestamps. */
export async function migrateThreads(
  from: ThreadStore,
  to: ThreadStore,
  progress: (line: string) => void = () => undefined,
): Promise<MigrateReport> {
  const report: MigrateReport = { copied: 0, skipped: [] };
  for (const id of await allThreadIds(from)) {
    const thread = await from.exportThread(id);
    if (!thread) continue;
    try {
      await to.importThread(thread);
      report.copied++;
    } catch (error) {
      if (!(error instanceof ThreadExistsError)) throw error;
      report.skipped.push(id);
    }
    if ((report.copied + report.skipped.length) % 1000 === 0) progress(`${report.copied} threads copied`);
  }
  return report;
}

/** The metadata a migration must keep (the path differs by store, derived columns follow the lines). */
const KEPT: readonly (keyof ThreadMetadata)[] = [
  "name",
  "archived",
  "archivedAtMs",
  "createdAtMs",
  "updatedAtMs",
  "cwd",
  "preview",
  "model",
  "modelProvider",
  "forkedFromId",
  "tokensUsed",
  "gitSha",
  "gitBranch",
  "gitOriginUrl",
];

function compareThread(id: string, a: ThreadExport | null, b: ThreadExport | null): string[] {
  if (!a) return [`${id}: missing in the source`];
  if (!b) return [`${id}: missing in the target`];
  const problems: string[] = [];
  const left = a.text.split("\n");
  const right = b.text.split("\n");
  if (left.length !== right.length)
    problems.push(`${id}: ${left.length - 1} lines in the source, ${right.length - 1} in the target`);
  const first = left.findIndex((line, i) => line !== right[i]);
  if (first >= 0 && left.length === right.length) problems.push(`${id}: line ${first + 1} differs`);
  for (const key of KEPT) {
    if (JSON.stringify(a.metadata[key]) !== JSON.stringify(b.metadata[key])) {
      problems.push(
        `${id}: ${key} is ${JSON.stringify(a.metadata[key])} in the source, ${JSON.stringify(b.metadata[key])} in the target`,
      );
    }
  }
  return problems;
}

export interface CheckReport {
  sourceThreads: number;
  targetThreads: number;
  differences: string[];
}

/** Compares two stores thread by thread: counts, every line in order, and the kept metadata. */
export async function checkStores(from: ThreadStore, to: ThreadStore): Promise<CheckReport> {
  const sourceIds = await allThreadIds(from);
  const targetIds = await allThreadIds(to);
  const differences: string[] = [];
  const inTarget = new Set(targetIds);
  for (const id of sourceIds) {
    const [a, b] = await Promise.all([from.exportThread(id), inTarget.has(id) ? to.exportThread(id) : null]);
    differences.push(...compareThread(id, a, b));
  }
  const inSource = new Set(sourceIds);
  for (const id of targetIds) if (!inSource.has(id)) differences.push(`${id}: missing in the source`);
  return { sourceThreads: sourceIds.length, targetThreads: targetIds.length, differences };
}
