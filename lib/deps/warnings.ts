/**
 * Warnings about the chosen dependency version, worded like libbuildpack's so
 * scripts grepping CF logs keep working. Pure: they return text or `undefined`.
 * @module
 */
import type { Manifest } from "../manifest.ts";
import { isPrerelease, parseVersion } from "../python/pep440.ts";
import { compareVersions, satisfies } from "../python/version.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Warn this long before a deprecation date, and after it. */
export const DEPRECATION_NOTICE_MS = 30 * DAY_MS;

// A pre-release in a manifest is never recommended as "the newer version".
function prerelease(version: string): boolean {
  const parsed = parseVersion(version);
  return parsed !== undefined && isPrerelease(parsed);
}

// `3.11` of `3.11.9` (and of `3.11`); `undefined` for what is not a PEP 440 version.
function majorMinor(version: string): string | undefined {
  const parsed = parseVersion(version);
  if (parsed === undefined) return undefined;
  return `${parsed.epoch}!${parsed.release[0]}.${parsed.release[1] ?? 0}`;
}

/**
 * CF's warning when `available` holds a newer patch of the same
 * `major.minor` as `version`; `undefined` otherwise.
 */
export function newerPatchWarning(
  name: string,
  version: string,
  available: string[],
): string | undefined {
  const line = majorMinor(version);
  if (line === undefined) return undefined;
  let latest: string | undefined;
  for (const candidate of available) {
    if (majorMinor(candidate) !== line || prerelease(candidate)) continue;
    if (compareVersions(candidate, latest ?? version) <= 0) continue;
    latest = candidate;
  }
  if (latest === undefined) return undefined;
  return `A newer version of ${name} is available in this buildpack. ` +
    `Please adjust your app to use version ${latest} instead of version ${version} ` +
    `as soon as possible. Old versions of ${name} are only provided to assist in ` +
    "migrating to newer versions.";
}

/**
 * CF's deprecation warning when `now` is within 30 days before (or any time
 * after) the `dependency_deprecation_dates` entry covering `version`; after
 * the date an end-of-life line is added. `undefined` otherwise.
 */
export function deprecationWarning(
  manifest: Manifest,
  options: { name: string; version: string; now: Date },
): string | undefined {
  const { name, version, now } = options;
  for (const entry of manifest.deprecationDates) {
    if (entry.name !== name || !satisfies(version, entry.versionLine)) continue;
    const date = Date.parse(`${entry.date}T00:00:00Z`);
    if (Number.isNaN(date) || date - now.getTime() >= DEPRECATION_NOTICE_MS) continue;
    const lines = [
      `${name} ${entry.versionLine} will no longer be available in new buildpacks released after ${entry.date}.`,
    ];
    if (now.getTime() >= date) {
      lines.push(
        `${name} ${entry.versionLine} reached its end of life on ${entry.date} and no longer ` +
          "receives security fixes: move the app to a newer version.",
      );
    }
    if (entry.link) lines.push(`See: ${entry.link}`);
    return lines.join("\n");
  }
  return undefined;
}
