/**
 * Looking inside an installed runtime: where site-packages is and which
 * distributions it holds (from `*.dist-info` names, no Python needed).
 * @module
 */
import { join } from "../path.ts";

/** PEP 503 normalised project name. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** `python/lib/python3.X/site-packages` of an installed runtime, if any. */
export function sitePackagesDir(pythonDir: string): string | undefined {
  try {
    for (const e of Deno.readDirSync(join(pythonDir, "lib"))) {
      if (e.isDirectory && /^python3\.\d+$/.test(e.name)) {
        return join(pythonDir, "lib", e.name, "site-packages");
      }
    }
  } catch { /* no lib dir */ }
  return undefined;
}

const DIST_INFO = /^(.+?)-([^-]*)\.(dist-info|egg-info)$/;

/** Name of the distribution a `*.dist-info`/`*.egg-info` entry belongs to. */
export function distributionName(entry: string): string | undefined {
  const m = entry.match(DIST_INFO);
  return m ? normalizeName(m[1]) : undefined;
}

/** Installed distributions by normalised name with their versions (from dist-info names). */
export function installedVersions(sitePackages: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!sitePackages) return out;
  try {
    for (const e of Deno.readDirSync(sitePackages)) {
      const m = e.name.match(DIST_INFO);
      if (m) out.set(normalizeName(m[1]), m[2]);
    }
  } catch { /* none */ }
  return out;
}

/** Normalised names of the distributions installed in `sitePackages`, sorted. */
export function installedDistributions(sitePackages: string): string[] {
  return [...installedVersions(sitePackages).keys()].sort();
}

/** `fresh: 9 installed` / `incremental: 1 added, 2 removed, 1 upgraded` from two snapshots. Pure. */
export function describePackageChanges(
  action: string,
  before: Map<string, string>,
  after: Map<string, string>,
): string {
  const added = [...after.keys()].filter((n) => !before.has(n)).length;
  const removed = [...before.keys()].filter((n) => !after.has(n)).length;
  const changed = [...after].filter(([n, v]) => before.has(n) && before.get(n) !== v).length;
  if (action === "fresh") return `fresh: ${added} installed`;
  if (action === "incremental") {
    return `incremental: ${added} added, ${removed} removed, ${changed} upgraded or changed`;
  }
  return action;
}
