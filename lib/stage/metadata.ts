/**
 * `<cache>/BUILDPACK_METADATA`: which buildpack version last staged with
 * this cache (libbuildpack's format), for the upgrade warning.
 * @module
 */
import { join } from "node:path";
import { parse } from "yaml";

/** The YAML text finalize writes. */
export function metadataText(version: string): string {
  return `language: python\nversion: ${version}\n`;
}

/** Write the metadata file. */
export async function writeMetadata(cacheDir: string, version: string): Promise<void> {
  await Deno.mkdir(cacheDir, { recursive: true });
  await Deno.writeTextFile(join(cacheDir, "BUILDPACK_METADATA"), metadataText(version));
}

/** The version recorded by the previous staging, if any. */
export async function previousBuildpackVersion(cacheDir: string): Promise<string | undefined> {
  try {
    const data = parse(await Deno.readTextFile(join(cacheDir, "BUILDPACK_METADATA")));
    return data && typeof data.version === "string" ? data.version : undefined;
  } catch {
    return undefined;
  }
}
