/**
 * Naming and describing a python dependency tarball the Cloud Foundry way.
 * Pure.
 * @module
 */
import { stringify } from "yaml";

/** The stack a tarball is for when none is given. */
export const DEFAULT_STACK = "cflinuxfs4";

/** A `dependencies:` entry of a buildpack manifest. */
export interface ManifestEntry {
  /** Always `python` here. */
  name: string;
  /** `3.11.7` */
  version: string;
  /** Where the tarball is (`file:///...` for local builds). */
  uri: string;
  /** sha256 of the tarball, 64 hex digits. */
  sha256: string;
  /** Stacks it runs on. */
  cf_stacks: string[];
  /** Where it was built from. */
  source?: string;
}

/**
 * `python_<V>_linux_x64_<stacks joined by _, or "any">_<first 8 hex of sha256>.tgz`,
 * the file name scheme of the official buildpack's dependencies.
 */
export function tarballName(
  version: string,
  options: { stacks: string[]; sha256: string },
): string {
  const { stacks, sha256 } = options;
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
  const stackPart = stacks.length ? stacks.join("_") : "any";
  return `python_${version}_linux_x64_${stackPart}_${sha256.slice(0, 8)}.tgz`;
}

/** A `file://` URI for an absolute path (percent-encoding what a URI cannot hold). */
export function fileUri(absolutePath: string): string {
  if (!absolutePath.startsWith("/")) throw new Error(`not an absolute path: ${absolutePath}`);
  return "file://" + absolutePath.split("/").map(encodeURIComponent).join("/");
}

/**
 * The manifest entry as a YAML sequence item (`- name: python ...`), ready to
 * paste under `dependencies:`.
 */
export function manifestEntryYaml(entry: ManifestEntry): string {
  const ordered: ManifestEntry = {
    name: entry.name,
    version: entry.version,
    uri: entry.uri,
    sha256: entry.sha256,
    cf_stacks: entry.cf_stacks,
    ...(entry.source === undefined ? {} : { source: entry.source }),
  };
  return stringify([ordered]);
}
