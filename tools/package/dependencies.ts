/**
 * The files of a cached zip's dependencies: from `--dependency-dir`
 * (air-gapped; never downloads), else from a download cache kept between
 * runs (`<cache>/<sha256>/<basename>`), downloading what is missing. Every
 * file is sha256-verified before it is used.
 * @module
 */
import { basename, join, relative } from "node:path";
import type { Dependency } from "../../lib/manifest.ts";
import { downloadTo, sha256File } from "../../lib/deps/download.ts";
import { bundledPath } from "../../lib/deps/bundled_path.ts";
import { packageDependenciesMissing } from "../../lib/errors.ts";
import { redactUrls } from "../../lib/redact.ts";

/** A dependency and the verified local file that goes into the zip. */
export interface BundledDependency {
  /** The manifest entry. */
  dependency: Dependency;
  /** Its path inside the zip: `dependencies/<md5 of uri>/<basename>`. */
  entry: string;
  /** The verified local copy. */
  path: string;
}

/** `dependencies/<md5 of uri>/<basename of uri>`, the zip entry (and `file:`) of `dep`. Pure. */
export function bundledEntry(dep: Dependency): string {
  const withoutFile = { ...dep, file: undefined };
  return relative("/", bundledPath("/", withoutFile));
}

/** The default download cache: `$XDG_CACHE_HOME` or `~/.cache`, `/python-buildpack/dependencies`. */
export function defaultDownloadCache(env: Record<string, string | undefined>): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME ?? "/tmp", ".cache");
  return join(base, "python-buildpack", "dependencies");
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** Look for `dep` in `dir` by basename, `<md5>/<basename>` or `dependencies/<md5>/<basename>`. */
async function findInDir(dir: string, dep: Dependency): Promise<string | undefined> {
  const entry = bundledEntry(dep);
  for (
    const candidate of [
      join(dir, basename(entry)),
      join(dir, entry.replace(/^dependencies\//, "")),
      join(dir, entry),
    ]
  ) {
    if (await isFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Verified local files for `deps`, in order.
 * @throws BuildpackError listing every file `dependencyDir` lacks or has with another
 *   sha256, or when a download fails or does not match
 */
export async function bundleDependencies(
  deps: Dependency[],
  options: { dependencyDir?: string; downloadCache: string; log: (line: string) => void },
): Promise<BundledDependency[]> {
  const { dependencyDir, downloadCache, log } = options;
  const result: BundledDependency[] = [];
  const missing: { name: string; version: string; uri: string; file: string }[] = [];
  for (const dependency of deps) {
    const entry = bundledEntry(dependency);
    if (dependencyDir !== undefined) {
      const found = await findInDir(dependencyDir, dependency);
      if (!found) {
        missing.push({ ...dependency, uri: redactUrls(dependency.uri), file: basename(entry) });
        continue;
      }
      const actual = await sha256File(found);
      if (actual !== dependency.sha256) {
        missing.push({
          ...dependency,
          uri: redactUrls(dependency.uri),
          file: `${basename(entry)} (${found} has sha256 ${actual}, not ${dependency.sha256})`,
        });
        continue;
      }
      log(`Copy [${found}]`);
      result.push({ dependency, entry, path: found });
      continue;
    }
    const cached = join(downloadCache, dependency.sha256, basename(entry));
    if (await isFile(cached)) {
      const actual = await sha256File(cached);
      if (actual === dependency.sha256) {
        log(`Cached [${cached}]`);
        result.push({ dependency, entry, path: cached });
        continue;
      }
      log(`Cached ${cached} has sha256 ${actual}; downloading it again`);
    }
    log(`Download [${redactUrls(dependency.uri)}]`);
    await Deno.mkdir(join(cached, ".."), { recursive: true });
    const partial = `${cached}.partial-${Deno.pid}`;
    await downloadTo(dependency.uri, partial, {
      name: `${dependency.name} ${dependency.version}`,
      sha256: dependency.sha256,
      onRetry: (reason, attempt) => log(`Download failed (${reason}); retry ${attempt}`),
    });
    await Deno.rename(partial, cached);
    result.push({ dependency, entry, path: cached });
  }
  if (missing.length) throw packageDependenciesMissing(dependencyDir!, missing);
  return result;
}
