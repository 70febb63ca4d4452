/**
 * Vendored apps (`vendor/` holding wheels and sdists): requirements without
 * index options for an install with no index at all, which build backends
 * the sdists need, and what pip said was missing. Pure, except
 * {@link vendorListing}.
 * @module
 */
import { join } from "../path.ts";
import { logicalLines } from "./requirements.ts";

/** Options that name a package index or extra download location. */
const INDEX_OPTION =
  /^(?:-i|--index-url|--extra-index-url|--trusted-host|-f|--find-links|--no-index)(?:\s*=\s*|\s+|$)/;

/**
 * The requirements text without index lines (`-i`, `--index-url`,
 * `--extra-index-url`, `--trusted-host`, `-f`, `--find-links`), comments and
 * continuations joined; every other line kept as it is.
 */
export function withoutIndexOptions(text: string): string {
  const kept = logicalLines(text).filter((l) => !INDEX_OPTION.test(l));
  return kept.length ? kept.join("\n") + "\n" : "";
}

/** Build backends installed from the manifest before an install from sdists, in order. */
export const BUILD_BACKENDS = ["setuptools", "wheel", "flit-core", "poetry-core"];

/** Whether a `vendor/` file name is a source distribution (needs a build backend). */
export function isSdist(name: string): boolean {
  return /\.(tar\.gz|tgz|tar\.bz2|tar\.xz|zip|tar)$/i.test(name) && !name.endsWith(".whl");
}

/** Names pip reported it could not find (`No matching distribution found for X`). */
export function missingDistributions(pipOutput: string): string[] {
  const names = new Set<string>();
  for (const m of pipOutput.matchAll(/No matching distribution found for ([^\s;]+)/g)) {
    names.add(m[1].replace(/[.,]$/, ""));
  }
  if (!names.size) {
    for (
      const m of pipOutput.matchAll(
        /Could not find a version that satisfies the requirement ([^\s;(]+)/g,
      )
    ) names.add(m[1]);
  }
  return [...names];
}

/** The files directly in `vendorDir`: names with sizes, sorted (for the restage fingerprint). */
export async function vendorListing(vendorDir: string): Promise<{ name: string; size: number }[]> {
  const out: { name: string; size: number }[] = [];
  for await (const e of Deno.readDir(vendorDir)) {
    if (!e.isFile && !e.isSymlink) continue;
    const st = await Deno.stat(join(vendorDir, e.name)).catch(() => undefined);
    if (st?.isFile) out.push({ name: e.name, size: st.size });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
