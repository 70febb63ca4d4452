/**
 * The YAML side of the manifest: parsing manifest.yml and override.yml texts
 * (failsafe schema), and writing the parsed form a release build carries
 * beside manifest.yml. Kept apart from `manifest.ts` so that loading the YAML
 * library is paid only by the stagings that parse YAML.
 * @module
 */
import { parse } from "yaml";
import { manifestInvalid } from "./errors.ts";
import {
  applyOverrideData,
  type Manifest,
  manifestFromData,
  type ParsedManifestFile,
} from "./manifest.ts";
import { sha256Hex } from "./digest.ts";

/**
 * Parse YAML with the failsafe schema (every scalar a string).
 * @throws BuildpackError naming `file` when it is not valid YAML
 */
export function parseYaml(text: string, file: string): unknown {
  try {
    return parse(text, { schema: "failsafe", logLevel: "error" });
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw manifestInvalid(file, `is not valid YAML: ${message}`);
  }
}

/**
 * Parse and validate a manifest.yml. Pure.
 * @param file path or name used in error messages
 * @throws BuildpackError naming `file` and the bad field
 */
export function parseManifest(text: string, file: string): Manifest {
  return manifestFromData(parseYaml(text, file), file);
}

/**
 * Apply one override.yml text (see {@link applyOverrideData}). Pure.
 * @throws BuildpackError naming `options.file` and the bad field
 */
export function applyOverride(
  manifest: Manifest,
  overrideText: string,
  options: { file: string; language: string },
): Manifest {
  return applyOverrideData(manifest, parseYaml(overrideText, options.file), options);
}

/**
 * The text of `manifest.parsed.json` for a manifest.yml text: its sha256 and
 * its parsed form. Validates the manifest first, so a release never carries
 * the parsed form of an invalid one.
 * @throws BuildpackError naming `file` when the manifest is invalid
 */
export async function parsedManifestText(text: string, file: string): Promise<string> {
  const data = parseYaml(text, file);
  manifestFromData(data, file);
  const parsed: ParsedManifestFile = { yamlSha256: await sha256Hex(text), data };
  return JSON.stringify(parsed) + "\n";
}
