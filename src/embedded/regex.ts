import { MongoErrorCode } from "../core/mongo-error-codes";
import { EmbeddedUnsupportedError, EmbeddedWriteError } from "./errors";

/*
 * MongoDB runs regular expressions with PCRE (UTF-8, options i, m, s, x); the store runs them with
 * JavaScript's RegExp after translating what the two spell differently: `$`, `\A`, `\Z`, `\z` and
 * `.` keep PCRE's meaning (only "\n" ends a line), `x` drops whitespace and comments, `\s` is ASCII
 * whitespace, and an escaped punctuation mark is that mark. A pattern JavaScript cannot compile in
 * its Unicode mode (possessive quantifiers, atomic groups, inline options such as `(?i)`, ...) is
 * refused, never run differently.
 */

const VALID_OPTIONS = "imsx";
const SYNTAX = "^$\\.*+?()[]{}|/";

/** A RegExp with PCRE's meaning for a MongoDB pattern and options; throws for what it cannot do. */
export function compileRegex(pattern: string, options: string): RegExp {
  for (const option of options) {
    if (VALID_OPTIONS.indexOf(option) === -1)
      throw new EmbeddedWriteError(MongoErrorCode.BadValue, `invalid flag in regex options: ${option}`);
  }
  if (pattern.indexOf("\0") !== -1)
    throw new EmbeddedWriteError(MongoErrorCode.BadValue, "Regular expression cannot contain an embedded null byte");
  const source = translate(
    pattern,
    options.indexOf("m") !== -1,
    options.indexOf("s") !== -1,
    options.indexOf("x") !== -1,
  );
  // Anchors are translated for multiline, so JavaScript's own "m" (which also breaks lines at "\r") stays off.
  const flags = "u" + (options.indexOf("i") !== -1 ? "i" : "");
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new EmbeddedUnsupportedError(
      `the regular expression /${pattern}/${options} (JavaScript's RegExp cannot run it as PCRE would: ${(error as Error).message})`,
    );
  }
}

function translate(pattern: string, multiline: boolean, dotAll: boolean, extended: boolean): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === "\\") {
      out += escapeAt(pattern.charAt(++i), inClass);
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (extended && (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v")) continue;
    if (extended && c === "#") {
      while (i + 1 < pattern.length && pattern.charAt(i + 1) !== "\n") i++;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      // PCRE reads a "]" right after "[" or "[^" as a character; JavaScript as the end of an empty class.
      if (pattern.charAt(i + 1) === "^") out += pattern.charAt(++i);
      if (pattern.charAt(i + 1) === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "$") out += multiline ? "(?=\\n|(?![\\s\\S]))" : "(?=\\n?(?![\\s\\S]))";
    else if (c === "^") out += multiline ? "(?:(?<![\\s\\S])|(?<=\\n))" : "(?<![\\s\\S])";
    else if (c === ".") out += dotAll ? "[\\s\\S]" : "[^\\n]";
    else out += c;
  }
  return out;
}

function escapeAt(c: string, inClass: boolean): string {
  if (c === "") return "\\\\";
  if (!inClass) {
    if (c === "A") return "(?<![\\s\\S])";
    if (c === "z") return "(?![\\s\\S])";
    if (c === "Z") return "(?=\\n?(?![\\s\\S]))";
    if (c === "s") return "[\\t\\n\\v\\f\\r ]";
    if (c === "S") return "[^\\t\\n\\v\\f\\r ]";
  } else if (c === "s") return "\\t\\n\\v\\f\\r ";
  if (/[A-Za-z0-9]/.test(c)) return "\\" + c;
  if (SYNTAX.indexOf(c) !== -1 || (c === "-" && inClass)) return "\\" + c;
  // PCRE: a backslash before any other mark means the mark itself.
  return "\\u{" + c.codePointAt(0)!.toString(16) + "}";
}
