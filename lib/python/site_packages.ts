/**
 * Looking inside an installed runtime: where site-packages is and which
 * distributions it holds (from `*.dist-info` names, no Python needed).
 * @module
 */
import { join } from "node:path";

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

/** Name of the distribution a `*.dist-info`/`*.egg-info` entry belongs to. */
export function distributionName(entry: string): string | undefined {
  const m = entry.match(/^(.+?)-[^-]*\.(dist-info|egg-info)$/);
  return m ? normalizeName(m[1]) : undefined;
}

/** Normalised names of the distributions installed in `sitePackages`, sorted. */
export function installedDistributions(sitePackages: string): string[] {
  const names = new Set<string>();
  try {
    for (const e of Deno.readDirSync(sitePackages)) {
      const name = distributionName(e.name);
      if (name) names.add(name);
    }
  } catch { /* none */ }
  return [...names].sort();
}
