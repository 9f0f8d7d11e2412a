import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** A real repository for review tests: `main` (one commit), `feature` (one more), an edit on top. */
export interface ReviewRepo {
  dir: string;
  /** The `feature` commit ("second change"). */
  featureSha: string;
  /** The merge base of `feature` and `main` (main's commit). */
  mainSha: string;
  git(...args: string[]): string;
}

const IDENTITY = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
};

export function reviewRepo(dir: string): ReviewRepo {
  fs.rmSync(path.join(dir, ".git"), { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, ...IDENTITY },
      encoding: "utf8",
    }).trim();
  git("init", "-q", "-b", "main");
  fs.writeFileSync(path.join(dir, "a.txt"), "one\n");
  git("add", "a.txt");
  git("commit", "-qm", "first");
  const mainSha = git("rev-parse", "HEAD");
  git("checkout", "-qb", "feature");
  fs.writeFileSync(path.join(dir, "a.txt"), "one\ntwo\n");
  git("commit", "-qam", "second change");
  const featureSha = git("rev-parse", "HEAD");
  fs.writeFileSync(path.join(dir, "a.txt"), "one\ntwo\nthree\n");
  return { dir, featureSha, mainSha, git };
}
