/**
 * What the app still requires after an install: the top-level requirements
 * (named in requirements files, or reported by pip as requested) and
 * everything their installed metadata requires, markers evaluated for the
 * staged Python. Whatever else is installed is no longer required. This
 * replaces a second, dry-run resolution by pip. Pure, except
 * {@link installedRequirements}.
 * @module
 */
import { join } from "../path.ts";
import { evaluateMarker, type Marker, type MarkerEnvironment, parseRequirement } from "./pep508.ts";
import { normalizeName } from "./site_packages.ts";

/** A requirement by name with the extras asked for. */
export interface NamedRequirement {
  /** PEP 503 normalised name. */
  name: string;
  /** Extras asked for, normalised. */
  extras: string[];
}

/** One installed distribution's requirements and whether it came from a URL, path or VCS. */
export interface InstalledDistribution {
  /** `Requires-Dist` values (or requires.txt lines turned into them). */
  requires: string[];
  /** It has a PEP 610 `direct_url.json` (installed from a URL, path or VCS). */
  direct: boolean;
}

/**
 * The names a requirements line asks for, or `undefined` when the line names
 * no project pip could tell without building it (a path, a URL, `-e`). Pure.
 */
export function requirementName(line: string): NamedRequirement | undefined {
  if (/^(-e|--editable)\b/.test(line)) return undefined;
  const spec = line.split(/\s+--?[a-z]/)[0].trim(); // drop per-line options (--hash=...)
  try {
    const req = parseRequirement(spec);
    if (req.url) return undefined;
    return { name: req.normalizedName, extras: req.extras };
  } catch {
    return undefined;
  }
}

/**
 * The top-level requirements among requirement `lines` that apply in `env`
 * (markers evaluated), and whether some line names no project. Pure.
 */
export function rootRequirements(
  lines: string[],
  env: MarkerEnvironment,
): { named: NamedRequirement[]; unnamed: boolean } {
  const named: NamedRequirement[] = [];
  let unnamed = false;
  for (const line of lines) {
    const name = requirementName(line);
    if (!name) {
      unnamed = true;
      continue;
    }
    const spec = line.split(/\s+--?[a-z]/)[0].trim();
    let applies = true;
    try {
      const marker = parseRequirement(spec).marker;
      applies = marker === undefined || evaluateMarker(marker, env);
    } catch { /* kept: a marker we cannot evaluate */ }
    if (applies) named.push(name);
  }
  return { named, unnamed };
}

/** `Requires-Dist` values of a METADATA (or PKG-INFO) text: header section only. Pure. */
export function requiresDist(metadata: string): string[] {
  const out: string[] = [];
  for (const line of metadata.replace(/\r\n?/g, "\n").split("\n")) {
    if (line === "") break; // the body (long description) starts
    const m = line.match(/^Requires-Dist:\s*(.+)$/i);
    if (m) out.push(m[1].trim());
  }
  return out;
}

/**
 * setuptools' `requires.txt` (egg-info) as `Requires-Dist` values: lines
 * before any section are unconditional, `[extra]`, `[:marker]` and
 * `[extra:marker]` sections become markers. Pure.
 */
export function eggRequires(text: string): string[] {
  const out: string[] = [];
  let condition = "";
  for (const raw of text.replace(/\r\n?/g, "\n").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const section = line.match(/^\[([^:\]]*)(?::(.*))?\]$/);
    if (section) {
      const parts = [];
      if (section[1]) parts.push(`extra == "${section[1]}"`);
      if (section[2]) parts.push(`(${section[2]})`);
      condition = parts.join(" and ");
      continue;
    }
    out.push(condition ? `${line} ; ${condition}` : line);
  }
  return out;
}

function applies(marker: Marker | undefined, env: MarkerEnvironment, extras: string[]): boolean {
  if (!marker) return true;
  if (evaluateMarker(marker, env)) return true;
  return extras.some((extra) => evaluateMarker(marker, { ...env, extra }));
}

/**
 * Every distribution reachable from `roots` through `installed`'s
 * requirements, markers evaluated in `env` (for the extras asked at each
 * step). Requirements whose text cannot be parsed are skipped. Pure.
 */
export function requiredClosure(
  roots: NamedRequirement[],
  installed: ReadonlyMap<string, InstalledDistribution>,
  env: MarkerEnvironment,
): Set<string> {
  const extrasSeen = new Map<string, Set<string>>();
  const queue = [...roots];
  while (queue.length) {
    const { name, extras } = queue.shift()!;
    const seen = extrasSeen.get(name);
    const fresh = extras.filter((e) => !seen?.has(e));
    if (seen && fresh.length === 0) continue;
    extrasSeen.set(name, new Set([...(seen ?? []), ...extras]));
    const dist = installed.get(name);
    if (!dist) continue;
    const asked = [...extrasSeen.get(name)!];
    for (const text of dist.requires) {
      let req;
      try {
        req = parseRequirement(text);
      } catch {
        continue;
      }
      let ok: boolean;
      try {
        ok = applies(req.marker, env, asked);
      } catch {
        ok = true; // a marker we cannot evaluate: keep what it names
      }
      if (ok) queue.push({ name: req.normalizedName, extras: req.extras });
    }
  }
  return new Set(extrasSeen.keys());
}

/** Every distribution in `sitePackages` by normalised name, with its requirements. */
export async function installedRequirements(
  sitePackages: string,
): Promise<Map<string, InstalledDistribution>> {
  const out = new Map<string, InstalledDistribution>();
  for await (const e of Deno.readDir(sitePackages)) {
    const m = e.name.match(/^(.+?)-[^-]*\.(dist-info|egg-info)$/);
    if (!m) continue;
    const dir = join(sitePackages, e.name);
    const read = (f: string) => Deno.readTextFile(join(dir, f)).catch(() => undefined);
    let requires: string[];
    if (m[2] === "dist-info") requires = requiresDist((await read("METADATA")) ?? "");
    else requires = eggRequires((await read("requires.txt")) ?? "");
    const direct = (await read("direct_url.json")) !== undefined;
    out.set(normalizeName(m[1]), { requires, direct });
  }
  return out;
}
