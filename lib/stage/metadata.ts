/**
 * `<cache>/BUILDPACK_METADATA`: which buildpack version last staged with
 * this cache (libbuildpack's file, a YAML map with `language` and
 * `version`), for the upgrade warning.
 * @module
 */
import { join } from "../path.ts";

/**
 * The text finalize writes: a JSON object, which is also a YAML flow map
 * (what libbuildpack reads), so reading it back needs no YAML library.
 */
export function metadataText(version: string): string {
  return JSON.stringify({ language: "python", version }) + "\n";
}

/** Write the metadata file. */
export async function writeMetadata(cacheDir: string, version: string): Promise<void> {
  await Deno.mkdir(cacheDir, { recursive: true });
  await Deno.writeTextFile(join(cacheDir, "BUILDPACK_METADATA"), metadataText(version));
}

/** The `version` of a metadata text: JSON, or the YAML block form of earlier builds and libbuildpack. */
export async function metadataVersion(text: string): Promise<string | undefined> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Loaded only for the older block form: staging start-up skips the YAML library.
    const { parse } = await import("yaml");
    try {
      data = parse(text);
    } catch {
      return undefined;
    }
  }
  if (typeof data !== "object" || data === null) return undefined;
  const version = (data as Record<string, unknown>).version;
  return typeof version === "string" ? version : undefined;
}

/** The version recorded by the previous staging, if any. */
export async function previousBuildpackVersion(cacheDir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(cacheDir, "BUILDPACK_METADATA"));
  } catch {
    return undefined;
  }
  return await metadataVersion(text);
}
