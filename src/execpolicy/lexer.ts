/**
 * Tokenizer for the Starlark subset `.rules` files use: identifiers, string literals (single,
 * double, triple-quoted, raw, with Python escapes), integers, `( ) [ ] , = ;`, comments and
 * newlines. Positions are 1-based line/column, as `configWarning` ranges report them.
 */

export interface Position {
  line: number;
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type TokenKind = "ident" | "string" | "int" | "punct" | "newline" | "eof";

export interface Token {
  kind: TokenKind;
  /** Identifier name, decoded string value, digits, or the punctuation itself. */
  value: string;
  range: Range;
}

/** A syntax or rule error with the source range it concerns. */
export class RulesSyntaxError extends Error {
  constructor(
    message: string,
    readonly range: Range,
  ) {
    super(message);
  }
}

const PUNCT = new Set(["(", ")", "[", "]", ",", "=", ";", ":"]);
const SIMPLE_ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "0": "\0",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
};

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let column = 1;
  /** Newlines inside brackets do not end a statement (Python's implicit line joining). */
  let depth = 0;
  const here = (): Position => ({ line, column });
  const advance = (n = 1) => {
    for (let k = 0; k < n; k++) {
      if (source[i] === "\n") {
        line++;
        column = 1;
      } else column++;
      i++;
    }
  };
  const push = (kind: TokenKind, value: string, start: Position) =>
    tokens.push({ kind, value, range: { start, end: here() } });

  while (i < source.length) {
    const c = source[i]!;
    const start = here();
    if (c === " " || c === "\t" || c === "\r") {
      advance();
    } else if (c === "#") {
      while (i < source.length && source[i] !== "\n") advance();
    } else if (c === "\\" && source[i + 1] === "\n") {
      advance(2);
    } else if (c === "\n") {
      advance();
      if (depth === 0) push("newline", "\n", start);
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < source.length && /[A-Za-z0-9_]/.test(source[j]!)) j++;
      const word = source.slice(i, j);
      const quote = source[j];
      if ((quote === '"' || quote === "'") && /^[rRbBfF]{1,2}$/.test(word)) {
        if (/[bBfF]/.test(word))
          throw new RulesSyntaxError(`unsupported string prefix \`${word}\``, { start, end: here() });
        advance(word.length);
        push("string", readString(true), start);
      } else {
        advance(word.length);
        push("ident", word, start);
      }
    } else if (/[0-9]/.test(c)) {
      const from = i;
      while (i < source.length && /[0-9]/.test(source[i]!)) advance();
      push("int", source.slice(from, i), start);
    } else if (c === '"' || c === "'") {
      push("string", readString(false), start);
    } else if (PUNCT.has(c)) {
      if (c === "(" || c === "[") depth++;
      if ((c === ")" || c === "]") && depth > 0) depth--;
      advance();
      push("punct", c, start);
    } else {
      advance();
      throw new RulesSyntaxError(`unexpected character \`${c}\``, { start, end: here() });
    }
  }
  push("newline", "\n", here());
  push("eof", "", here());
  return tokens;

  /** Reads a string literal starting at the quote under `i`. */
  function readString(raw: boolean): string {
    const start = here();
    const quote = source[i]!;
    const triple = source.startsWith(quote.repeat(3), i);
    const close = triple ? quote.repeat(3) : quote;
    advance(close.length);
    let value = "";
    for (;;) {
      if (i >= source.length || (!triple && source[i] === "\n"))
        throw new RulesSyntaxError("unterminated string literal", { start, end: here() });
      if (source.startsWith(close, i)) {
        advance(close.length);
        return value;
      }
      const ch = source[i]!;
      if (ch === "\\" && !raw) {
        const e = source[i + 1];
        // A backslash as the file's last character: never advancing here would loop forever.
        if (e === undefined)
          throw new RulesSyntaxError("unterminated string literal", { start, end: here() });
        if (e === "\n") {
          advance(2);
          continue;
        }
        const simple = SIMPLE_ESCAPES[e];
        if (simple !== undefined) {
          value += simple;
          advance(2);
          continue;
        }
        const hex = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
        const digits = source.slice(i + 2, i + 2 + hex);
        if (hex === 0 || !new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits))
          throw new RulesSyntaxError(`invalid escape sequence \`\\${e}\``, { start: here(), end: here() });
        value += String.fromCodePoint(Number.parseInt(digits, 16));
        advance(2 + hex);
        continue;
      }
      if (ch === "\\" && raw && (source[i + 1] === quote || source[i + 1] === "\\")) {
        value += ch + source[i + 1];
        advance(2);
        continue;
      }
      value += ch;
      advance();
    }
  }
}
