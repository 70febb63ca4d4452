/**
 * Where the app asks for a Python version, and the version chosen for it.
 *
 * Sources, first wins: `runtime.txt`, `.python-version`, `Pipfile.lock`
 * (`_meta.requires.python_full_version`, then `python_version`), else the
 * manifest default. {@link readVersionRequest} and
 * {@link versionFileWarnings} read files; everything else is pure.
 * @module
 */
import { firstInvalidUtf8, hexBytes, readAppFile, readAppText } from "../app_files.ts";
import {
  defaultVersionNotOffered,
  improperConstraint,
  misspelledVersionFile,
  noDefaultVersion,
  pipfileLockInvalid,
  versionConflict,
  versionFileInvalid,
  versionNotOffered,
  virtualenvIgnored,
} from "../errors.ts";
import {
  checkStackSupported,
  defaultVersion,
  dependenciesFor,
  type Dependency,
  type Manifest,
} from "../manifest.ts";
import {
  compareVersions,
  ImproperConstraint,
  matchVersion,
  normalizeRequest,
  satisfies,
} from "./version.ts";

/** A version request of the app. */
export interface VersionRequest {
  /** The file that asks, e.g. `runtime.txt`; `undefined` means the manifest default. */
  file: string | undefined;
  /** The request as written, cleaned (BOM, line ends and surrounding blanks removed). */
  request: string;
}

/** The Python chosen for the app. */
export interface ChosenPython {
  /** The exact version, e.g. `3.13.15`. */
  version: string;
  /** Its manifest entry for the stack. */
  dependency: Dependency;
  /** What asked for it; `undefined`: the manifest default. */
  request: VersionRequest | undefined;
}

/** The app files read, in precedence order. */
export const VERSION_FILES = ["runtime.txt", ".python-version", "Pipfile.lock"] as const;

/** Characters a version request may contain (`python-3.13.x || >=3.11, ~=3.12, !=3.12.0`). */
const REQUEST_CHARS = /^[0-9A-Za-z.*|<>=!~^, +-]+$/;

/** JSON-like quoting with every non-printable or non-ASCII character as `\uXXXX`. */
export function escapeText(text: string, max = 60): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "\\" || ch === '"') out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code <= 0xffff) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += `\\u{${code.toString(16)}}`;
    if (out.length >= max) return `"${out}..."`;
  }
  return `"${out}"`;
}

/** Check one cleaned request line; returns it. */
function checkRequest(line: string, file: string): string {
  if (/[^\x20-\x7e]/.test(line)) {
    throw versionFileInvalid(file, { problem: "invisible", found: escapeText(line) });
  }
  if (!REQUEST_CHARS.test(line)) {
    throw versionFileInvalid(file, { problem: "not_version", found: escapeText(line) });
  }
  return line;
}

/**
 * Decode a version file: strip a UTF-8 BOM, line ends and surrounding blanks;
 * reject UTF-16, invalid UTF-8, invisible or control characters and anything
 * not looking like a version request. `#` comment lines and blank lines are
 * skipped; more than one version is an error (pyenv would take the first,
 * which surprises more than it helps). Pure.
 * @throws BuildpackError naming `file`, what was found and how to fix it
 */
export function decodeVersionFile(bytes: Uint8Array, file: string): string {
  const utf16Bom = bytes.length >= 2 &&
    ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe));
  if (utf16Bom || bytes.includes(0)) {
    throw versionFileInvalid(file, { problem: "utf16", found: hexBytes(bytes) });
  }
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hasBom ? bytes.subarray(3) : bytes;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    const bad = firstInvalidUtf8(body);
    const at = bad >= 0 ? bad : body.findIndex((b) => b >= 0x80);
    throw versionFileInvalid(file, {
      problem: "not_utf8",
      found: `${hexBytes(body.subarray(Math.max(at, 0)))} at offset ${at + (hasBom ? 3 : 0)}`,
    });
  }
  const lines = text.split(/\r\n|\r|\n/).map((line) => line.replace(/^[ \t]+|[ \t]+$/g, ""))
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.length === 0) {
    throw versionFileInvalid(file, { problem: "empty", found: escapeText(text) });
  }
  for (const line of lines) {
    if (/[^\x20-\x7e]/.test(line)) {
      throw versionFileInvalid(file, { problem: "invisible", found: escapeText(line) });
    }
  }
  if (lines.length > 1) {
    throw versionFileInvalid(file, { problem: "multiple_lines", found: escapeText(text) });
  }
  return checkRequest(lines[0], file);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The Python version a Pipfile.lock asks for: `_meta.requires.python_full_version`,
 * else `python_version`; `undefined` when it names none. Pure.
 * @throws BuildpackError naming `file` for invalid JSON or a non-string version
 */
export function pipfileLockVersion(text: string, file: string): string | undefined {
  let lock: unknown;
  try {
    lock = JSON.parse(text.replace(/^\ufeff/, ""));
  } catch (error) {
    throw pipfileLockInvalid(file, `it is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(lock)) throw pipfileLockInvalid(file, "it is not a JSON object");
  const meta = lock._meta;
  const requires = isObject(meta) ? meta.requires : undefined;
  if (!isObject(requires)) return undefined;
  for (const key of ["python_full_version", "python_version"]) {
    const value = requires[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") {
      throw pipfileLockInvalid(
        file,
        `_meta.requires.${key} is ${JSON.stringify(value)}, not a string such as "3.13"`,
      );
    }
    const trimmed = value.trim();
    if (trimmed !== "") return checkRequest(trimmed, file);
  }
  return undefined;
}

/** A version file is a line or a few; anything this big is not one (and is not echoed). */
const VERSION_FILE_MAX_BYTES = 64 * 1024;

/** Pipfile.lock lists every package with hashes; generous, but bounded. */
const LOCK_FILE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Read the app's version request: `runtime.txt`, `.python-version`, then
 * `Pipfile.lock`; `undefined` when none asks.
 */
export async function readVersionRequest(appDir: string): Promise<VersionRequest | undefined> {
  for (const file of ["runtime.txt", ".python-version"]) {
    const bytes = await readAppFile(appDir, file, {
      optional: true,
      maxBytes: VERSION_FILE_MAX_BYTES,
    });
    if (bytes !== undefined) return { file, request: decodeVersionFile(bytes, file) };
  }
  const lock = await readAppText(appDir, "Pipfile.lock", {
    optional: true,
    maxBytes: LOCK_FILE_MAX_BYTES,
  });
  if (lock === undefined) return undefined;
  const request = pipfileLockVersion(lock, "Pipfile.lock");
  return request === undefined ? undefined : { file: "Pipfile.lock", request };
}

/**
 * The project's `requires-python`: `[project] requires-python` of
 * pyproject.toml, else the top-level `requires-python` of uv.lock.
 * @throws BuildpackError naming the file when it is not valid TOML
 */
export async function readRequiresPython(appDir: string): Promise<VersionRequest | undefined> {
  for (const file of ["pyproject.toml", "uv.lock"]) {
    const text = await readAppText(appDir, file, { optional: true, maxBytes: LOCK_FILE_MAX_BYTES });
    if (text === undefined) continue;
    const { parseToml, requiresPython } = await import("./pyproject.ts");
    const doc = parseToml(text, file);
    const value = file === "pyproject.toml" ? requiresPython(doc) : doc["requires-python"];
    if (typeof value === "string" && value.trim() !== "") {
      return { file: `${file} (requires-python)`, request: value.trim() };
    }
  }
  return undefined;
}

const MISSPELLINGS: Record<string, string> = {
  "runtime.text": "runtime.txt",
  "runtime.txt.txt": "runtime.txt",
  "runtime": "runtime.txt",
  "runtime.md": "runtime.txt",
  "runtime.yml": "runtime.txt",
  "runtimes.txt": "runtime.txt",
  ".runtime.txt": "runtime.txt",
  ".python_version": ".python-version",
  "python-version": ".python-version",
  "python_version": ".python-version",
  ".python-versions": ".python-version",
  ".python-version.txt": ".python-version",
  ".pythonversion": ".python-version",
  "python-version.txt": ".python-version",
};

/**
 * Warning texts for misspelled version files among the app's top-level file
 * `names` (`runtime.text`, `.python_version`, `Runtime.txt`, ...), when the
 * correctly named file is absent. Pure.
 */
export function misspelledVersionFiles(names: string[]): string[] {
  const present = new Set(names);
  const warnings: string[] = [];
  for (const name of names) {
    const meant = MISSPELLINGS[name] ??
      VERSION_FILES.find((f) => f !== name && f.toLowerCase() === name.toLowerCase());
    if (meant !== undefined && !present.has(meant)) {
      warnings.push(misspelledVersionFile(name, meant));
    }
  }
  return warnings;
}

/** Warning texts for virtualenvs pushed with the app (`.venv/`, `venv/`). Pure. */
export function committedVirtualenvs(dirs: string[]): string[] {
  return dirs.filter((d) => d === ".venv" || d === "venv").map(virtualenvIgnored);
}

/**
 * {@link misspelledVersionFiles} and {@link committedVirtualenvs} over the
 * app dir's entries.
 */
export async function versionFileWarnings(appDir: string): Promise<string[]> {
  const names: string[] = [];
  const dirs: string[] = [];
  for await (const entry of Deno.readDir(appDir)) {
    names.push(entry.name);
    if (entry.isDirectory) dirs.push(entry.name);
  }
  return [...misspelledVersionFiles(names.sort()), ...committedVirtualenvs(dirs.sort())];
}

/** A `major.minor` to suggest: the request's if offered, else the default's, else the newest. */
function suggestedLine(request: string, available: string[], fallback: string | undefined) {
  const lineOf = (v: string) => /^(\d+)\.(\d+)/.exec(v)?.slice(1, 3).join(".");
  const offered = new Set(available.map(lineOf).filter((l) => l !== undefined));
  const asked = /(\d+)\.(\d+)/.exec(request)?.slice(1, 3).join(".");
  if (asked !== undefined && offered.has(asked)) return asked;
  const preferred = fallback === undefined ? undefined : lineOf(fallback);
  if (preferred !== undefined && offered.has(preferred)) return preferred;
  return lineOf(available[available.length - 1] ?? "") ?? "3.13";
}

/**
 * Choose the Python for `stack`: the highest version offered that satisfies
 * the app's request, else the manifest default. A version file's choice
 * must also satisfy the project's `requires-python` (`options.requiresPython`).
 * Pure.
 * @throws BuildpackError stack not supported, improper constraint, version
 * not offered, no default, a version file conflicting with requires-python
 */
export function choosePython(
  manifest: Manifest,
  stack: string,
  request: VersionRequest | undefined,
  options: { requiresPython?: VersionRequest } = {},
): ChosenPython {
  checkStackSupported(manifest, stack);
  const dependencies = dependenciesFor(manifest, "python", stack);
  const available = dependencies.map((d) => d.version).sort(compareVersions);
  const fallback = defaultVersion(manifest, "python");
  let version: string | undefined;
  if (request?.file === undefined) {
    const asked = request?.request ?? fallback;
    if (asked === undefined) throw noDefaultVersion("python");
    try {
      version = matchVersion(asked, available);
    } catch (error) {
      if (!(error instanceof ImproperConstraint)) throw error;
    }
    if (version === undefined) {
      throw defaultVersionNotOffered("python", normalizeRequest(asked), { stack, available });
    }
  } else {
    const { file } = request;
    try {
      version = matchVersion(request.request, available);
    } catch (error) {
      if (error instanceof ImproperConstraint) {
        throw improperConstraint(file, error.constraint, { hint: error.hint });
      }
      throw error;
    }
    if (version === undefined) {
      const normalized = normalizeRequest(request.request);
      const line = suggestedLine(normalized, available, fallback);
      throw versionNotOffered(file, normalized, { stack, available, line });
    }
  }
  const required = options.requiresPython;
  if (required?.file && request?.file && request.file !== required.file) {
    try {
      matchVersion(required.request, available); // only to reject an improper constraint
    } catch (error) {
      if (error instanceof ImproperConstraint) {
        throw improperConstraint(required.file, error.constraint, { hint: error.hint });
      }
      throw error;
    }
    if (!satisfies(version, required.request)) {
      throw versionConflict({ file: request.file, request: request.request }, {
        file: required.file!,
        request: required.request,
        version,
      });
    }
  }
  const dependency = dependencies.find((d) => d.version === version) as Dependency;
  return { version, dependency, request };
}
