/**
 * Reading pip requirements files: which other files they pull in (`-r`,
 * `-c`), whether they name local paths (always reinstalled), and whether
 * they list anything at all. Pure, except {@link requirementFiles}.
 * @module
 */
import { dirname, fromFileUrl, isAbsolute, join, normalize } from "../path.ts";
import { leavesApp, readAppText } from "../app_files.ts";
import {
  requirementIncludeLoop,
  requirementIncludeMissing,
  requirementIncludeOutside,
} from "../errors.ts";
import { pathExists } from "../path_exists.ts";

/** What one requirements file says, as far as the buildpack cares. */
export interface RequirementsSummary {
  /** Files named by `-r`/`--requirement`, `-c`/`--constraint`, relative to this file's dir. */
  includes: string[];
  /** Requirement lines that name local paths (`.`, `./pkg`, `-e .`, `file:`). */
  localPaths: string[];
  /** Requirement lines (not options, comments or blank). */
  requirements: string[];
}

/** A logical line and the physical line number (1-based) it starts on. */
export interface NumberedLine {
  /** 1-based number of the line the logical line starts on. */
  line: number;
  /** The logical line, continuations joined, comment stripped, trimmed. */
  text: string;
}

/** {@link logicalLines} with the line number each starts on, for errors. */
export function numberedLines(text: string): NumberedLine[] {
  const physical = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n");
  const out: NumberedLine[] = [];
  let start = 0;
  let joined = "";
  physical.forEach((raw, i) => {
    if (joined === "") start = i + 1;
    if (raw.endsWith("\\")) {
      joined += raw.slice(0, -1);
      return;
    }
    const line = (joined + raw).replace(/(^|\s)#.*$/, "").trim();
    joined = "";
    if (line.length > 0) out.push({ line: start, text: line });
  });
  return out;
}

/** Join continuation lines and strip comments, as pip does. */
export function logicalLines(text: string): string[] {
  return numberedLines(text).map((l) => l.text);
}

const INCLUDE = /^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)?(\S+)$/;

/** The `-r`/`-c` lines of a requirements file with their line numbers. Pure. */
export function includeLines(
  text: string,
): { line: number; include: string; constraint: boolean }[] {
  return numberedLines(text).flatMap(({ line, text }) => {
    const m = text.match(INCLUDE);
    return m ? [{ line, include: m[1], constraint: /^(-c|--constraint)/.test(text) }] : [];
  });
}

function isLocalPath(spec: string): boolean {
  return /^(\.{1,2}(\/|$)|\/|file:)/.test(spec) || /^[^\s;=<>!~\[]*\/[^\s;]*$/.test(spec) &&
      !/^[a-z][a-z0-9+.-]*:\/\//i.test(spec);
}

/** Summarise one requirements file's text. */
export function summarizeRequirements(text: string): RequirementsSummary {
  const summary: RequirementsSummary = { includes: [], localPaths: [], requirements: [] };
  for (const line of logicalLines(text)) {
    const include = line.match(INCLUDE);
    if (include) {
      summary.includes.push(include[1]);
      continue;
    }
    const editable = line.match(/^(?:-e|--editable)(?:\s*=\s*|\s+)(.+)$/);
    if (editable) {
      summary.requirements.push(line);
      if (isLocalPath(editable[1].trim())) summary.localPaths.push(editable[1].trim());
      continue;
    }
    if (line.startsWith("-")) continue;
    summary.requirements.push(line);
    const spec = line.split(/\s+--?/)[0];
    if (isLocalPath(spec)) summary.localPaths.push(spec);
  }
  return summary;
}

/** One requirements file the buildpack read. */
export interface RequirementFile {
  /** Path relative to the app dir. */
  path: string;
  /** Its text. */
  text: string;
  /** What it says. */
  summary: RequirementsSummary;
  /** It was reached through `-c`: its lines constrain versions but require nothing. */
  constraint: boolean;
}

/**
 * Where an include names, relative to the app dir (pip resolves it relative
 * to the including file); `undefined` for a remote URL, which is pip's business.
 */
function includedPath(from: string, include: string): string | undefined {
  if (/^file:/i.test(include)) return fromFileUrl(include);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(include)) return undefined;
  return isAbsolute(include) ? include : normalize(join(dirname(from), include));
}

/**
 * Every requirements file reachable from `file` (itself first), with its text
 * and summary; each file once. An include that leaves the app dir (by `..`,
 * an absolute path or a symlink), a missing included file and an include loop
 * are errors naming the file and line; a missing `file` itself gives `[]`.
 */
export async function requirementFiles(
  appDir: string,
  file: string,
): Promise<RequirementFile[]> {
  const seen = new Set<string>();
  const out: RequirementFile[] = [];
  const visit = async (
    rel: string,
    chain: string[],
    line: number,
    constraint: boolean,
  ): Promise<void> => {
    if (chain.includes(rel)) throw requirementIncludeLoop([...chain, rel], line);
    if (seen.has(rel)) return;
    seen.add(rel);
    const text = await readAppText(appDir, rel, { optional: chain.length === 0 });
    if (text === undefined) return;
    const summary = summarizeRequirements(text);
    out.push({ path: rel, text, summary, constraint });
    for (const inc of includeLines(text)) {
      const target = includedPath(rel, inc.include);
      if (target === undefined) continue;
      if (isAbsolute(target) || await leavesApp(appDir, target)) {
        throw requirementIncludeOutside(rel, inc);
      }
      if (!(await pathExists(join(appDir, target)))) throw requirementIncludeMissing(rel, inc);
      await visit(target, [...chain, rel], inc.line, constraint || inc.constraint);
    }
  };
  await visit(normalize(file), [], 0, false);
  return out;
}
