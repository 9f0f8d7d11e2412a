/**
 * Hook matchers (Codex hooks/src/events/common.rs): absent, "" or "*" match everything; a
 * matcher made only of word characters and `|` is a list of exact alternatives; anything else is
 * an unanchored regular expression.
 */
export type CompiledMatcher = (target: string) => boolean;

const EXACT_LIST = /^[A-Za-z0-9_|]+$/;

/** The compiled matcher, or the regex error message for a matcher that does not parse. */
export function compileMatcher(matcher: string | null | undefined): CompiledMatcher | { error: string } {
  if (matcher === undefined || matcher === null || matcher === "" || matcher === "*") return () => true;
  if (EXACT_LIST.test(matcher)) {
    const names = new Set(matcher.split("|"));
    return (target) => names.has(target);
  }
  try {
    const re = new RegExp(matcher, "u");
    return (target) => re.test(target);
  } catch (error) {
    return { error: (error as Error).message };
  }
}
