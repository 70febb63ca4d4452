/**
 * Reading pip requirements files: which other files they pull in (`-r`,
 * `-c`), whether they name local paths (always reinstalled), and whether
 * they list anything at all. Pure, except {@link requirementFiles}.
 * @module
 */
import { dirname, join, relative } from "node:path";

/** What one requirements file says, as far as the buildpack cares. */
export interface RequirementsSummary {
  /** Files named by `-r`/`--requirement`, `-c`/`--constraint`, relative to this file's dir. */
  includes: string[];
  /** Requirement lines that name local paths (`.`, `./pkg`, `-e .`, `file:`). */
  localPaths: string[];
  /** Requirement lines (not options, comments or blank). */
  requirements: string[];
}

/** Join continuation lines and strip comments, as pip does. */
export function logicalLines(text: string): string[] {
  const joined = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").replace(/\\\n/g, "");
  return joined.split("\n")
    .map((l) => l.replace(/(^|\s)#.*$/, "").trim())
    .filter((l) => l.length > 0);
}

function isLocalPath(spec: string): boolean {
  return /^(\.{1,2}(\/|$)|\/|file:)/.test(spec) || /^[^\s;=<>!~\[]*\/[^\s;]*$/.test(spec) &&
      !/^[a-z][a-z0-9+.-]*:\/\//i.test(spec);
}

/** Summarise one requirements file's text. */
export function summarizeRequirements(text: string): RequirementsSummary {
  const summary: RequirementsSummary = { includes: [], localPaths: [], requirements: [] };
  for (const line of logicalLines(text)) {
    const include = line.match(/^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)?(\S+)$/);
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

/** Every requirements file reachable from `file` (itself first), with its text and summary. */
export async function requirementFiles(
  appDir: string,
  file: string,
): Promise<{ path: string; text: string; summary: RequirementsSummary }[]> {
  const seen = new Set<string>();
  const out: { path: string; text: string; summary: RequirementsSummary }[] = [];
  const visit = async (rel: string) => {
    if (seen.has(rel) || /^[a-z][a-z0-9+.-]*:\/\//i.test(rel)) return;
    seen.add(rel);
    let text: string;
    try {
      text = await Deno.readTextFile(join(appDir, rel));
    } catch {
      return; // pip reports a missing file itself, with its own message
    }
    const summary = summarizeRequirements(text);
    out.push({ path: rel, text, summary });
    for (const inc of summary.includes) {
      await visit(relative(appDir, join(appDir, dirname(rel), inc)));
    }
  };
  await visit(file);
  return out;
}
