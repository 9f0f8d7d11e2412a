import { type Range, RulesSyntaxError, type Token, tokenize } from "./lexer.js";

/**
 * Parser for the statement form `.rules` files are written in: a sequence of calls
 * (`prefix_rule(pattern=[...], decision="prompt")`) whose arguments are literals — strings,
 * integers, `None`/`True`/`False` and (nested) lists. Nothing is evaluated; Starlark features
 * beyond that (variables, `def`, loops, `load`) are rejected with a precise message.
 */

export type Value = string | number | boolean | null | Value[];

export interface Argument {
  /** Keyword name, null for a positional argument. */
  name: string | null;
  value: Value;
  range: Range;
}

export interface Call {
  callee: string;
  args: Argument[];
  /** The whole call expression. */
  range: Range;
}

const KEYWORD_VALUES: Record<string, Value> = { None: null, True: true, False: false };
/** Rules need two levels (a pattern of alternatives); anything far deeper is refused. */
const MAX_LIST_DEPTH = 64;
const UNSUPPORTED_KEYWORDS = new Set(["def", "for", "if", "while", "return", "lambda", "load"]);

export function parseRules(source: string): Call[] {
  const tokens = tokenize(source);
  let at = 0;
  const peek = (): Token => tokens[at]!;
  const next = (): Token => tokens[at++]!;
  const fail = (message: string, token: Token = peek()): never => {
    throw new RulesSyntaxError(message, token.range);
  };
  const expectPunct = (value: string): Token => {
    const token = peek();
    if (token.kind !== "punct" || token.value !== value)
      fail(`Parse error: unexpected ${describe(token)}, expected symbol '${value}'`);
    return next();
  };

  const calls: Call[] = [];
  for (;;) {
    const token = peek();
    if (token.kind === "eof") return calls;
    if (token.kind === "newline" || (token.kind === "punct" && token.value === ";")) {
      next();
      continue;
    }
    calls.push(statement());
    const end = peek();
    if (end.kind !== "newline" && !(end.kind === "punct" && end.value === ";"))
      fail(`Parse error: unexpected ${describe(end)}, expected a new line`);
  }

  function statement(): Call {
    const head = peek();
    if (head.kind !== "ident") return fail(`Parse error: unexpected ${describe(head)}, expected a call`);
    if (head.value === "load")
      return fail("No imports are available in keel rules files (`load` is not supported)");
    if (UNSUPPORTED_KEYWORDS.has(head.value))
      return fail(`\`${head.value}\` is not supported in keel rules files: write the rules as plain calls`);
    next();
    const open = peek();
    if (open.kind === "punct" && (open.value === "=" || open.value === ","))
      return fail("variables are not supported in keel rules files: write the rules as plain calls", head);
    if (open.kind !== "punct" || open.value !== "(")
      return fail(`Parse error: unexpected ${describe(open)}, expected symbol '('`);
    next();
    const args: Argument[] = [];
    let sawKeyword = false;
    while (!(peek().kind === "punct" && peek().value === ")")) {
      const first = peek();
      let name: string | null = null;
      if (first.kind === "ident" && tokens[at + 1]?.kind === "punct" && tokens[at + 1]?.value === "=") {
        name = first.value;
        at += 2;
        if (args.some((a) => a.name === name)) fail(`argument \`${name}\` given more than once`, first);
        sawKeyword = true;
      } else if (sawKeyword) {
        fail("positional argument after a keyword argument", first);
      }
      const value = expression();
      args.push({ name, value, range: { start: first.range.start, end: tokens[at - 1]!.range.end } });
      if (peek().kind === "punct" && peek().value === ",") next();
      else if (!(peek().kind === "punct" && peek().value === ")"))
        fail(`Parse error: unexpected ${describe(peek())}, expected symbol ')'`);
    }
    const close = expectPunct(")");
    return { callee: head.value, args, range: { start: head.range.start, end: close.range.end } };
  }

  function expression(depth = 0): Value {
    const token = next();
    switch (token.kind) {
      case "string": {
        // Adjacent string literals are not Starlark; a `+` is not either here.
        return token.value;
      }
      case "int":
        return Number(token.value);
      case "ident":
        if (token.value in KEYWORD_VALUES) return KEYWORD_VALUES[token.value]!;
        return fail(`Variable \`${token.value}\` not found`, token);
      case "punct":
        if (token.value === "[") {
          // Deep nesting would overflow the stack (a RangeError, not a load error).
          if (depth >= MAX_LIST_DEPTH) return fail("lists are nested too deeply", token);
          const items: Value[] = [];
          while (!(peek().kind === "punct" && peek().value === "]")) {
            items.push(expression(depth + 1));
            if (peek().kind === "punct" && peek().value === ",") next();
            else if (!(peek().kind === "punct" && peek().value === "]"))
              fail(`Parse error: unexpected ${describe(peek())}, expected symbol ']'`);
          }
          next();
          return items;
        }
        return fail(`Parse error: unexpected ${describe(token)}`, token);
      default:
        return fail(`Parse error: unexpected ${describe(token)}`, token);
    }
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case "newline":
      return "new line";
    case "eof":
      return "end of file";
    case "string":
      return "string literal";
    case "int":
      return "integer";
    case "ident":
      return `identifier \`${token.value}\``;
    case "punct":
      return `symbol '${token.value}'`;
  }
}
