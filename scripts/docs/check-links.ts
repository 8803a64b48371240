/**
 * Checks the documentation as GitHub shows it: every relative link and heading anchor in README.md,
 * CHANGELOG.md and docs/*.md resolves, every table renders as a table, and every documentation
 * reference in the code (`docs/<page>.md#<anchor>`, `README, "<section>"`) names a page and heading
 * that exist. Parsing is markdown-it's, tables are also linted by markdownlint (MD056: a row with more
 * or fewer cells than its header), anchors are made as GitHub makes them (github-slugger).
 */
import GithubSlugger from "github-slugger";
import MarkdownIt from "markdown-it";
import type Token from "markdown-it/lib/token.mjs";
import { lint } from "markdownlint/sync";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const markdown = new MarkdownIt({ html: true });

/** The documentation pages, as paths relative to the repository. */
export function documentationFiles(root: string): string[] {
  const docs = existsSync(join(root, "docs"))
    ? readdirSync(join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => `docs/${f}`)
    : [];
  return ["README.md", "CHANGELOG.md", ...docs].filter((f) => existsSync(join(root, f)));
}

interface Page {
  readonly headings: { text: string; slug: string; line: number }[];
  readonly links: { href: string; line: number }[];
  readonly tokens: Token[];
  readonly lines: string[];
}

function inlineText(token: Token): string {
  return (token.children ?? [])
    .filter((child) => child.type === "text" || child.type === "code_inline")
    .map((child) => child.content)
    .join("");
}

/** Headings (with GitHub's anchors, duplicates numbered) and links of one page. */
export function readPage(text: string): Page {
  const tokens = markdown.parse(text, {});
  const slugger = new GithubSlugger();
  const headings: Page["headings"] = [];
  const links: Page["links"] = [];
  tokens.forEach((token, i) => {
    const line = (token.map?.[0] ?? 0) + 1;
    if (token.type === "heading_open") {
      const content = inlineText(tokens[i + 1]);
      headings.push({ text: content, slug: slugger.slug(content), line });
    }
    if (token.type === "inline")
      for (const child of token.children ?? [])
        if (child.type === "link_open") links.push({ href: child.attrGet("href") ?? "", line });
  });
  return { headings, links, tokens, lines: text.split("\n") };
}

/** A GFM delimiter row: `| --- | :-: |` (the pipes at either end optional). */
const DELIMITER_ROW = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/**
 * Tables that do not render: a paragraph whose first lines look like a header and a delimiter row is
 * a table GitHub refused, because the two rows' cell counts differ (GFM: "the header row must match
 * the delimiter row in the number of cells").
 */
function unrenderedTables(file: string, page: Page): string[] {
  const problems: string[] = [];
  page.tokens.forEach((token) => {
    if (token.type !== "paragraph_open" || !token.map) return;
    const [first, second] = page.lines.slice(token.map[0], token.map[0] + 2);
    if (second !== undefined && first.includes("|") && DELIMITER_ROW.test(second))
      problems.push(
        `${file}:${token.map[0] + 1}: a table that does not render: its header row and delimiter row have different numbers of cells`,
      );
  });
  return problems;
}

/** markdownlint's MD056: every row of a table has as many cells as its header. */
function rowCellCounts(files: Record<string, string>): string[] {
  const results = lint({ strings: files, config: { default: false, MD056: true } });
  return Object.entries(results).flatMap(([file, errors]) =>
    errors.map((e) => `${file}:${e.lineNumber}: ${e.ruleDescription}: ${e.errorDetail ?? ""}`),
  );
}

/** Where a link points: a repository file (and a heading of it), or the outside world (not checked). */
function checkLink(root: string, file: string, href: string, pages: Map<string, Page>): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("//")) return undefined;
  const [path, anchor] = href.split("#", 2) as [string, string | undefined];
  const target = path === "" ? file : relative(root, resolve(root, dirname(file), decodeURIComponent(path)));
  if (target.startsWith("..")) return `${href} points outside the repository`;
  if (!existsSync(join(root, target))) return `${href}: no such file (${target})`;
  if (anchor === undefined || anchor === "") return undefined;
  if (!target.endsWith(".md") || statSync(join(root, target)).isDirectory())
    return /^L\d+(-L\d+)?$/.test(anchor) ? undefined : `${href}: an anchor into a file that has no headings`;
  const page = pages.get(target) ?? readPage(readFileSync(join(root, target), "utf8"));
  return page.headings.some((h) => h.slug === anchor) ? undefined : `${href}: ${target} has no heading #${anchor}`;
}

/** Every problem of the documentation pages: links, anchors, tables. */
export function checkPages(root: string, files = documentationFiles(root)): string[] {
  const texts: Record<string, string> = {};
  const pages = new Map<string, Page>();
  for (const file of files) {
    texts[file] = readFileSync(join(root, file), "utf8");
    pages.set(file, readPage(texts[file]));
  }
  const problems: string[] = [];
  for (const [file, page] of pages) {
    for (const link of page.links) {
      const problem = checkLink(root, file, link.href, pages);
      if (problem) problems.push(`${file}:${link.line}: ${problem}`);
    }
    problems.push(...unrenderedTables(file, page));
  }
  problems.push(...rowCellCounts(texts));
  return problems;
}

/** The folders whose code may point at documentation; functions/ is built from src/. */
const CODE_FOLDERS = ["src", "scripts", "bench", "test", "mongodb", "aws"];
const CODE_FILE = /\.(ts|js|cjs|mjs|json|sh)$/;
/** The fixtures hold other projects' files; this checker's own tests plant broken references on purpose. */
const NOT_SCANNED = [/^test\/fixtures\//, /^scripts\/docs\//, /^test\/build\/docs\.test\.ts$/];

function codeFiles(root: string, folder: string): string[] {
  if (!existsSync(join(root, folder))) return [];
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = `${folder}/${entry.name}`;
    if (entry.name === "node_modules" || NOT_SCANNED.some((re) => re.test(path))) return [];
    if (entry.isDirectory()) return codeFiles(root, path);
    return CODE_FILE.test(entry.name) ? [path] : [];
  });
}

/** `docs/<page>.md#<anchor>`, `CHANGELOG.md#<anchor>`, `README.md#<anchor>`. */
const PAGE_REFERENCE = /\b((?:docs\/[\w-]+|CHANGELOG|README)\.md)(?:#([\w-]+))?/g;
/**
 * The README named with a section, as comments used to point into it: `README, "Exact mirror"` (the
 * quotes may span a comment's line break), `README, troubleshooting`, `README's Benchmarks`.
 */
const README_SECTION =
  /^README(?:'s\s+|,\s+)(?:"([^"]{1,120})"|([A-Za-z][\w-]*(?: [A-Za-z][\w-]*)*?))(?=[),.;:'"\s]|$)/;

const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

/** Every documentation reference in the code that does not resolve, with file and line. */
export function checkCodeReferences(root: string, files?: string[]): string[] {
  const pages = new Map<string, Page>();
  const pageOf = (file: string) => {
    if (!pages.has(file)) pages.set(file, readPage(readFileSync(join(root, file), "utf8")));
    return pages.get(file)!;
  };
  const problems: string[] = [];
  for (const file of files ?? CODE_FOLDERS.flatMap((folder) => codeFiles(root, folder))) {
    const text = readFileSync(join(root, file), "utf8");
    for (const match of text.matchAll(PAGE_REFERENCE)) {
      const [, page, anchor] = match;
      const where = `${file}:${lineOf(text, match.index)}`;
      if (!existsSync(join(root, page))) problems.push(`${where}: ${page} does not exist`);
      else if (anchor && !pageOf(page).headings.some((h) => h.slug === anchor))
        problems.push(`${where}: ${page} has no heading #${anchor}`);
    }
    for (const match of text.matchAll(/\bREADME\b(?!\.md)/g)) {
      const where = `${file}:${lineOf(text, match.index)}`;
      const section = README_SECTION.exec(text.slice(match.index));
      const name = section && (section[1] ?? section[2]).replace(/\s*\n\s*(?:\*|\/\/|#)?\s*/g, " ").trim();
      if (!name) problems.push(`${where}: names the README without a heading: point at the docs/ page that says it`);
      else if (!pageOf("README.md").headings.some((h) => h.text.toLowerCase() === name.toLowerCase()))
        problems.push(
          `${where}: points at the README's "${name}", which is no heading of README.md: point at its docs/ page`,
        );
    }
  }
  return problems;
}
