/**
 * PEP 508 markers as the lock readers need them: does a marker hold for the
 * staging target, and do two markers mean the same for the Pythons a lock
 * supports (uv rewrites markers when it locks, so text comparison is not
 * enough). A thin layer over lib/python/pep508.ts. Pure.
 * @module
 */

import {
  evaluateMarker,
  linuxEnvironment,
  type MarkerEnvironment,
  parseMarker,
} from "../pep508.ts";
import { parseSpecifiers, specifiersContain } from "../pep440.ts";

/** The staging target: CPython on Linux x86_64, as {@link linuxEnvironment} describes it. */
export function targetEnvironment(pythonFullVersion: string): MarkerEnvironment {
  return linuxEnvironment(pythonFullVersion);
}

/**
 * Whether `marker` (absent: always) holds in `env` with the given extras
 * requested (`extra == 'x'` holds when x is among them).
 * @throws MarkerError from pep508 when the text is not a marker
 */
export function markerHolds(
  marker: string | undefined,
  env: MarkerEnvironment,
  extras: readonly string[] = [],
): boolean {
  if (marker === undefined || marker.trim() === "") return true;
  const tree = parseMarker(marker);
  if (extras.length === 0) return evaluateMarker(tree, { ...env, extra: undefined, extras: [] });
  return extras.some((extra) => evaluateMarker(tree, { ...env, extra, extras: [...extras] }));
}

// Pythons and platforms two markers are compared on. Patch releases matter
// for python_full_version clauses; the list runs past every released Python.
const PYTHONS = [
  "2.7.18",
  "3.6.15",
  "3.7.0",
  "3.7.17",
  "3.8.0",
  "3.8.20",
  "3.9.0",
  "3.9.2",
  "3.9.23",
  "3.10.0",
  "3.10.18",
  "3.11.0",
  "3.11.4",
  "3.11.13",
  "3.12.0",
  "3.12.11",
  "3.13.0",
  "3.13.5",
  "3.14.0",
  "3.14.2",
  "3.15.0",
  "4.0.0",
];
const PLATFORMS: Partial<MarkerEnvironment>[] = [
  { sys_platform: "linux", platform_system: "Linux", os_name: "posix", platform_machine: "x86_64" },
  {
    sys_platform: "linux",
    platform_system: "Linux",
    os_name: "posix",
    platform_machine: "aarch64",
  },
  { sys_platform: "win32", platform_system: "Windows", os_name: "nt", platform_machine: "AMD64" },
  {
    sys_platform: "darwin",
    platform_system: "Darwin",
    os_name: "posix",
    platform_machine: "arm64",
  },
  {
    sys_platform: "darwin",
    platform_system: "Darwin",
    os_name: "posix",
    platform_machine: "x86_64",
  },
];
const IMPLEMENTATIONS: Partial<MarkerEnvironment>[] = [
  { implementation_name: "cpython", platform_python_implementation: "CPython" },
  { implementation_name: "pypy", platform_python_implementation: "PyPy" },
];

/** `extra == 'name'` operands a marker text mentions, so both markers see each. */
function extrasIn(text: string): string[] {
  return [...text.matchAll(/extra\s*==\s*['"]([^'"]+)['"]|['"]([^'"]+)['"]\s*==\s*extra/g)]
    .map((m) => m[1] ?? m[2]);
}

/**
 * Whether two markers agree on every sample environment (Pythons inside
 * `requiresPython` only, as uv drops what requires-python already implies;
 * Linux, Windows and macOS; CPython and PyPy; each extra either mentions).
 * Absent means always true.
 * @throws MarkerError from pep508 when a text is not a marker
 */
export function markersEquivalent(
  a: string | undefined,
  b: string | undefined,
  options: { requiresPython?: string } = {},
): boolean {
  if ((a ?? "").trim() === (b ?? "").trim()) return true;
  let range: ReturnType<typeof parseSpecifiers> | undefined;
  try {
    range = options.requiresPython ? parseSpecifiers(options.requiresPython) : undefined;
  } catch { /* an unreadable requires-python limits nothing */ }
  const pythons = PYTHONS.filter((v) => !range || specifiersContain(range, v));
  const extras = ["", ...new Set([...extrasIn(a ?? ""), ...extrasIn(b ?? "")])];
  for (const python of pythons) {
    const base = linuxEnvironment(python);
    for (const platform of PLATFORMS) {
      for (const implementation of IMPLEMENTATIONS) {
        const env = { ...base, ...platform, ...implementation } as MarkerEnvironment;
        for (const extra of extras) {
          const withExtra = extra ? [extra] : [];
          if (markerHolds(a, env, withExtra) !== markerHolds(b, env, withExtra)) return false;
        }
      }
    }
  }
  return true;
}
