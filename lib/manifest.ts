/**
 * The Cloud Foundry buildpack manifest (`manifest.yml`) and the multi-buildpack
 * `override.yml` files that earlier buildpacks may write into their deps dir.
 *
 * {@link manifestFromData} and {@link applyOverrideData} validate parsed YAML
 * (pure); `manifest_yaml.ts` parses the text; {@link loadManifest} reads the
 * files. YAML is read with the failsafe schema: every scalar is a string, so
 * `version: 3.10` stays `"3.10"` and dates stay `YYYY-MM-DD`.
 *
 * The YAML library costs ~55 ms of every staging's start-up (loading it and
 * a first parse), so a release build carries the parsed manifest beside it
 * ({@link MANIFEST_PARSED}, keyed by the sha256 of the manifest.yml it came
 * from); the YAML is parsed only when that file is absent or stale (an
 * operator edited manifest.yml) and for override.yml files.
 * @module
 */
import { join } from "./path.ts";
import { sha256Hex } from "./digest.ts";
import {
  buildpackFile,
  manifestInvalid,
  manifestWithoutDependencies,
  stackNotSet,
  stackNotSupported,
} from "./errors.ts";
import { byCodeUnit } from "./compare.ts";

/** One downloadable dependency (a `dependencies:` entry). */
export interface Dependency {
  /** e.g. `python` */
  name: string;
  /** e.g. `3.11.16` */
  version: string;
  /** Where to download it. */
  uri: string;
  /** Lowercase hex sha256 of the file at `uri`. */
  sha256: string;
  /** Stacks it is built for; empty in single-stack packaged manifests (see {@link Manifest.stack}). */
  cfStacks: string[];
  /** Upstream source archive. */
  source?: string;
  /** Lowercase hex sha256 of `source`. */
  sourceSha256?: string;
  /** Cached buildpacks: `dependencies/<md5 of uri>/<basename>`, relative to the buildpack root. */
  file?: string;
  /**
   * `python-bytecode` entries (made by the packager for cached zips): the
   * sha256 of the runtime tarball whose sources the bytecode was compiled from.
   */
  runtimeSha256?: string;
}

/** A `default_versions:` entry: the version (or range) used when the app asks for none. */
export interface DefaultVersion {
  /** Dependency name. */
  name: string;
  /** Version or range, e.g. `3.13.x`. */
  version: string;
}

/** A `dependency_deprecation_dates:` entry. */
export interface DeprecationDate {
  /** Dependency name. */
  name: string;
  /** Range of versions concerned, e.g. `3.10.x`. */
  versionLine: string;
  /** `YYYY-MM-DD`. */
  date: string;
  /** Where to read more. */
  link?: string;
}

/** The parsed manifest. */
export interface Manifest {
  /** `python` */
  language: string;
  /** Set by the packager in single-stack zips. */
  stack?: string;
  /** Default versions, by dependency name. */
  defaultVersions: DefaultVersion[];
  /** Deprecation (end of life) dates. */
  deprecationDates: DeprecationDate[];
  /** Every dependency entry, in manifest order. */
  dependencies: Dependency[];
  /** Files the packager puts in the zip. */
  includeFiles: string[];
}

type YamlMap = Record<string, unknown>;

const SHA256 = /^[0-9a-f]{64}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isMap(value: unknown): value is YamlMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Absent, `key:` with nothing, or `~` (failsafe keeps them as strings). */
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === "" || value === "~";
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (isMap(value)) return "a map";
  return JSON.stringify(value);
}

/** Field readers that report `file: where ...` errors. */
class Reader {
  constructor(readonly file: string) {}

  string(
    map: YamlMap,
    key: string,
    options: { where: string; pattern?: RegExp; expected?: string },
  ): string {
    const value = this.optionalString(map, key, options);
    if (value === undefined) {
      const expected = options.expected ? `; expected ${options.expected}` : "";
      throw manifestInvalid(this.file, `${options.where} has no ${key}${expected}`);
    }
    return value;
  }

  optionalString(
    map: YamlMap,
    key: string,
    options: { where: string; pattern?: RegExp; expected?: string },
  ): string | undefined {
    const value = map[key];
    if (isAbsent(value)) return undefined;
    const expected = options.expected ?? "a string";
    if (typeof value !== "string") {
      throw manifestInvalid(
        this.file,
        `${options.where} has ${key} ${describe(value)}; expected ${expected}`,
      );
    }
    const trimmed = value.trim();
    if (options.pattern && !options.pattern.test(trimmed)) {
      throw manifestInvalid(
        this.file,
        `${options.where} has an invalid ${key} ${JSON.stringify(value)}; expected ${expected}`,
      );
    }
    return trimmed;
  }

  list(map: YamlMap, key: string, where: string): unknown[] {
    const value = map[key];
    if (isAbsent(value)) return [];
    if (!Array.isArray(value)) {
      throw manifestInvalid(this.file, `${where}${key} is ${describe(value)}; expected a list`);
    }
    return value;
  }

  entry(value: unknown, where: string): YamlMap {
    if (!isMap(value)) {
      throw manifestInvalid(this.file, `${where} is ${describe(value)}; expected a map`);
    }
    return value;
  }

  strings(map: YamlMap, key: string, where: string): string[] {
    return this.list(map, key, where).map((item, i) => {
      if (typeof item !== "string" || item.trim() === "") {
        throw manifestInvalid(
          this.file,
          `${where}${key}[${i}] is ${describe(item)}; expected a non-empty string`,
        );
      }
      return item.trim();
    });
  }

  defaultVersions(map: YamlMap, prefix: string): DefaultVersion[] {
    return this.list(map, "default_versions", prefix).map((item, i) => {
      const where = `${prefix}default_versions[${i}]`;
      const entry = this.entry(item, where);
      return {
        name: this.string(entry, "name", { where }),
        version: this.string(entry, "version", { where, expected: "a version such as 3.13.x" }),
      };
    });
  }

  deprecationDates(map: YamlMap, prefix: string): DeprecationDate[] {
    return this.list(map, "dependency_deprecation_dates", prefix).map((item, i) => {
      const where = `${prefix}dependency_deprecation_dates[${i}]`;
      const entry = this.entry(item, where);
      const date = this.string(entry, "date", { where, pattern: DATE, expected: "YYYY-MM-DD" });
      if (Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
        throw manifestInvalid(
          this.file,
          `${where} has an invalid date ${date}; expected YYYY-MM-DD`,
        );
      }
      const link = this.optionalString(entry, "link", { where });
      return {
        name: this.string(entry, "name", { where }),
        versionLine: this.string(entry, "version_line", {
          where,
          expected: "a range such as 3.10.x",
        }),
        date,
        ...(link === undefined ? {} : { link }),
      };
    });
  }

  dependencies(map: YamlMap, prefix: string): Dependency[] {
    return this.list(map, "dependencies", prefix).map((item, i) => {
      let where = `${prefix}dependencies[${i}]`;
      const entry = this.entry(item, where);
      const name = this.string(entry, "name", { where });
      const version = this.string(entry, "version", {
        where: `${where} (${name})`,
        pattern: /^\S+$/,
        expected: "a version without spaces",
      });
      where = `${where} (${name} ${version})`;
      const sha = { where, pattern: SHA256, expected: "64 hex digits" };
      const dependency: Dependency = {
        name,
        version,
        uri: this.string(entry, "uri", { where }),
        sha256: this.string(entry, "sha256", sha).toLowerCase(),
        cfStacks: this.strings(entry, "cf_stacks", `${where} `),
      };
      const source = this.optionalString(entry, "source", { where });
      if (source !== undefined) dependency.source = source;
      const sourceSha256 = this.optionalString(entry, "source_sha256", sha);
      if (sourceSha256 !== undefined) dependency.sourceSha256 = sourceSha256.toLowerCase();
      const file = this.optionalString(entry, "file", { where });
      if (file !== undefined) dependency.file = file;
      const runtimeSha256 = this.optionalString(entry, "runtime_sha256", sha);
      if (runtimeSha256 !== undefined) dependency.runtimeSha256 = runtimeSha256.toLowerCase();
      return dependency;
    });
  }
}

/**
 * Validate a parsed manifest.yml (failsafe schema). Pure.
 * @param file path or name used in error messages
 * @throws BuildpackError naming `file` and the bad field
 */
export function manifestFromData(root: unknown, file: string): Manifest {
  if (isAbsent(root)) throw manifestInvalid(file, "is empty");
  if (!isMap(root)) throw manifestInvalid(file, `is ${describe(root)}; expected a map`);
  const reader = new Reader(file);
  const stack = reader.optionalString(root, "stack", { where: "stack" });
  return {
    language: reader.string(root, "language", { where: "the manifest", expected: "python" }),
    ...(stack === undefined ? {} : { stack }),
    defaultVersions: reader.defaultVersions(root, ""),
    deprecationDates: reader.deprecationDates(root, ""),
    dependencies: reader.dependencies(root, ""),
    includeFiles: reader.strings(root, "include_files", ""),
  };
}

/** The stacks an entry is for; `undefined` means every stack. */
function effectiveStacks(manifest: Manifest, dependency: Dependency): string[] | undefined {
  if (dependency.cfStacks.length) return dependency.cfStacks;
  return manifest.stack === undefined ? undefined : [manifest.stack];
}

/** Put `dependency` in place of same name+version entries for the stacks it covers. */
function mergeDependency(manifest: Manifest, list: Dependency[], dependency: Dependency) {
  const result: Dependency[] = [];
  const covers = effectiveStacks(manifest, dependency);
  let placed = false;
  const place = () => {
    if (!placed) result.push(dependency);
    placed = true;
  };
  for (const old of list) {
    if (old.name !== dependency.name || old.version !== dependency.version) {
      result.push(old);
      continue;
    }
    const had = effectiveStacks(manifest, old);
    if (covers === undefined) {
      place();
      continue;
    }
    if (had === undefined) {
      // Cannot narrow "every stack"; the override is appended and wins (see dependenciesFor).
      result.push(old);
      continue;
    }
    const remaining = had.filter((stack) => !covers.includes(stack));
    if (remaining.length === had.length) {
      result.push(old);
      continue;
    }
    place();
    if (remaining.length) result.push({ ...old, cfStacks: remaining });
  }
  place();
  return result;
}

/**
 * Apply one parsed override.yml: a map `<language>: {default_versions, dependencies,
 * dependency_deprecation_dates}`. Default versions replace those of the same
 * name; a dependency replaces the entries with the same name and version on
 * the stacks it covers, or is added; deprecation dates replace those with the
 * same name and version line, or are added. Other languages are ignored. Pure.
 * @throws BuildpackError naming `options.file` and the bad field
 */
export function applyOverrideData(
  manifest: Manifest,
  root: unknown,
  options: { file: string; language: string },
): Manifest {
  const { file, language } = options;
  if (isAbsent(root)) return manifest;
  if (!isMap(root)) {
    throw manifestInvalid(file, `is ${describe(root)}; expected a map of language to overrides`);
  }
  const section = root[language];
  if (isAbsent(section)) return manifest;
  const reader = new Reader(file);
  const map = reader.entry(section, language);
  const prefix = `${language}.`;

  const defaults = reader.defaultVersions(map, prefix);
  const defaultVersions = [
    ...manifest.defaultVersions.filter((d) => !defaults.some((n) => n.name === d.name)),
    ...defaults,
  ];
  const dates = reader.deprecationDates(map, prefix);
  const sameLine = (a: DeprecationDate, b: DeprecationDate) =>
    a.name === b.name && a.versionLine === b.versionLine;
  const deprecationDates = [
    ...manifest.deprecationDates.filter((d) => !dates.some((n) => sameLine(n, d))),
    ...dates,
  ];
  let dependencies = manifest.dependencies;
  for (const dependency of reader.dependencies(map, prefix)) {
    dependencies = mergeDependency(manifest, dependencies, dependency);
  }
  return { ...manifest, defaultVersions, deprecationDates, dependencies };
}

async function readOptionalText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
      return undefined;
    }
    throw error;
  }
}

/** `<depsDir>/<i>/override.yml` paths that exist, by numeric index. */
async function overrideFiles(depsDir: string): Promise<string[]> {
  const indexes: string[] = [];
  try {
    for await (const entry of Deno.readDir(depsDir)) {
      if (/^\d+$/.test(entry.name)) indexes.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  indexes.sort((a, b) => Number(a) - Number(b) || byCodeUnit(a, b));
  return indexes.map((index) => join(depsDir, index, "override.yml"));
}

/**
 * Read `<root>/manifest.yml`, then apply every `<depsDir>/<i>/override.yml`
 * (ascending `i`) for the manifest's language.
 */
export async function loadManifest(
  root: string,
  options: { depsDir?: string } = {},
): Promise<Manifest> {
  const path = join(root, "manifest.yml");
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw buildpackFile("manifest.yml", "is missing");
    throw buildpackFile("manifest.yml", `cannot be read (${(error as Error).message})`);
  }
  const data = await parsedData(root, text) ??
    (await import("./manifest_yaml.ts")).parseYaml(text, path);
  let manifest = manifestFromData(data, path);
  if (options.depsDir === undefined) return manifest;
  for (const file of await overrideFiles(options.depsDir)) {
    const override = await readOptionalText(file);
    if (override === undefined) continue;
    const { parseYaml } = await import("./manifest_yaml.ts");
    manifest = applyOverrideData(manifest, parseYaml(override, file), {
      file,
      language: manifest.language,
    });
  }
  return manifest;
}

/** The file beside manifest.yml holding its parsed form (written by the release build). */
export const MANIFEST_PARSED = "manifest.parsed.json";

/** What {@link MANIFEST_PARSED} holds. */
export interface ParsedManifestFile {
  /** sha256 (hex) of the manifest.yml text it was parsed from. */
  yamlSha256: string;
  /** That text parsed with the failsafe schema, not yet validated. */
  data: unknown;
}

/**
 * The parsed manifest from {@link MANIFEST_PARSED} when it was made from
 * exactly `text`; `undefined` when it is absent, unreadable or stale (the
 * caller parses the YAML: the file only saves time, it never decides).
 */
async function parsedData(root: string, text: string): Promise<unknown | undefined> {
  let file: ParsedManifestFile;
  try {
    file = JSON.parse(await Deno.readTextFile(join(root, MANIFEST_PARSED)));
  } catch {
    return undefined;
  }
  if (!isMap(file) || typeof file.yamlSha256 !== "string" || !("data" in file)) return undefined;
  return file.yamlSha256 === await sha256Hex(text) ? file.data : undefined;
}

/**
 * Entries named `name` for `stack`, one per version (a later entry for the same
 * version wins, so overrides beat the manifest). An entry without `cf_stacks`
 * counts for `manifest.stack`, or for every stack when that is unset.
 */
export function dependenciesFor(manifest: Manifest, name: string, stack: string): Dependency[] {
  const byVersion = new Map<string, Dependency>();
  for (const dependency of manifest.dependencies) {
    if (dependency.name !== name) continue;
    const stacks = effectiveStacks(manifest, dependency);
    if (stacks === undefined || stacks.includes(stack)) {
      byVersion.set(dependency.version, dependency);
    }
  }
  return [...byVersion.values()];
}

/** Every stack the manifest has dependencies for (plus `stack:`), sorted and unique. */
export function stacksOf(manifest: Manifest): string[] {
  const stacks = new Set(manifest.dependencies.flatMap((d) => d.cfStacks));
  if (manifest.stack !== undefined) stacks.add(manifest.stack);
  return [...stacks].sort();
}

/** The `default_versions` version (or range) of `name`, if any. */
export function defaultVersion(manifest: Manifest, name: string): string | undefined {
  return manifest.defaultVersions.find((d) => d.name === name)?.version;
}

/**
 * The one rule for whether this buildpack serves `stack` (CF_STACK): it must
 * be set, the manifest must list dependencies, a packaged single-stack
 * manifest's `stack:` must equal it (as libbuildpack requires), and the
 * manifest must offer python for it. Pure.
 * @param file the manifest's name in errors
 * @throws BuildpackError saying which of these fails and how to fix it
 */
export function checkStackSupported(
  manifest: Manifest,
  stack: string | undefined,
  file = "manifest.yml",
): string {
  if (stack === undefined || stack === "") throw stackNotSet();
  if (manifest.dependencies.length === 0) throw manifestWithoutDependencies(file);
  const withPython = stacksOf(manifest).filter((s) =>
    dependenciesFor(manifest, "python", s).length
  );
  if (manifest.stack !== undefined && manifest.stack !== stack) {
    throw stackNotSupported(stack, [manifest.stack]);
  }
  if (dependenciesFor(manifest, "python", stack).length === 0) {
    throw stackNotSupported(stack, withPython);
  }
  return stack;
}
