/**
 * The release zip's `sbom.cdx.json` (CycloneDX 1.5): the buildpack itself,
 * its executable, the npm packages its program reaches (versions and
 * integrity from `deno.lock`) and every manifest dependency with its sha256,
 * download and source. {@link buildpackSbom} is pure; {@link npmGraph} asks
 * `deno info` which npm packages `mod.ts` reaches.
 * @module
 */
import { Buffer } from "node:buffer";
import type { Dependency } from "../../lib/manifest.ts";
import {
  type CdxComponent,
  type CdxDocument,
  type CdxHash,
  cyclonedxDocument,
} from "../../lib/sbom.ts";
import { byCodeUnit } from "../../lib/compare.ts";

/** An npm package of the module graph (`deno info --json` `npmPackages` values). */
export interface NpmPackage {
  /** e.g. `@types/node` */
  name: string;
  /** e.g. `26.6.6` */
  version: string;
}

/** `sha512-<base64>` (an SRI integrity string) as a CycloneDX hash. Pure. */
export function integrityHash(integrity: string): CdxHash | undefined {
  const m = integrity.match(/^(sha256|sha384|sha512|sha1)-([A-Za-z0-9+/=]+)$/);
  if (!m) return undefined;
  const alg = m[1] === "sha1" ? "SHA-1" : `SHA-${m[1].slice(3)}`;
  return { alg, content: Buffer.from(m[2], "base64").toString("hex") };
}

/** `pkg:npm/%40scope/name@1.0.0`. Pure. */
export function npmPurl(pkg: NpmPackage): string {
  return `pkg:npm/${pkg.name.replace(/^@/, "%40")}@${pkg.version}`;
}

/** What the packager knows about the executable. */
export interface BinaryInfo {
  /** sha256 of `bin/buildpack`, hex. */
  sha256: string;
  /** `deno compile` with this Deno version, or a given `--binary`. */
  compiledWith?: string;
  /** Compile target. */
  target?: string;
}

/** Build the document. Pure. */
export function buildpackSbom(options: {
  version: string;
  stack: string;
  epoch: number;
  binary: BinaryInfo;
  npm: Record<string, NpmPackage>;
  lockIntegrity: Record<string, string>;
  dependencies: Dependency[];
}): CdxDocument {
  const npm = Object.entries(options.npm)
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([key, pkg]): CdxComponent => {
      const hash = integrityHash(options.lockIntegrity[key] ?? "");
      return {
        type: "library",
        "bom-ref": npmPurl(pkg),
        name: pkg.name,
        version: pkg.version,
        purl: npmPurl(pkg),
        // Type declarations are only read by the type checker, never run.
        ...(pkg.name.startsWith("@types/") ? { scope: "excluded" } : {}),
        ...(hash ? { hashes: [hash] } : {}),
      };
    });
  const deps = options.dependencies.map((dep): CdxComponent => {
    const ref = `manifest:${dep.name}@${dep.version}:${dep.sha256.slice(0, 12)}`;
    const properties = [
      ...(dep.cfStacks.length ? [{ name: "cf:stacks", value: dep.cfStacks.join(",") }] : []),
      ...(dep.file ? [{ name: "cf:file", value: dep.file }] : []),
    ];
    return {
      type: dep.name === "python" || dep.name === "miniforge" ? "application" : "library",
      "bom-ref": ref,
      name: dep.name,
      version: dep.version,
      description: "Cloud Foundry manifest dependency" + (dep.file ? " (in this zip)" : ""),
      hashes: [{ alg: "SHA-256", content: dep.sha256 }],
      purl: `pkg:generic/${encodeURIComponent(dep.name)}@${encodeURIComponent(dep.version)}` +
        `?download_url=${encodeURIComponent(dep.uri)}&checksum=sha256:${dep.sha256}`,
      externalReferences: [
        { type: "distribution", url: dep.uri, hashes: [{ alg: "SHA-256", content: dep.sha256 }] },
        ...(dep.source
          ? [{
            type: "source-distribution",
            url: dep.source,
            ...(dep.sourceSha256
              ? { hashes: [{ alg: "SHA-256", content: dep.sourceSha256 }] }
              : {}),
          }]
          : []),
      ],
      ...(properties.length ? { properties } : {}),
    };
  });
  const { binary } = options;
  const executable: CdxComponent = {
    type: "file",
    "bom-ref": "file:bin/buildpack",
    name: "bin/buildpack",
    description: binary.compiledWith
      ? `deno compile of mod.ts, Deno ${binary.compiledWith} (denort embedded), ${binary.target}`
      : "executable packaged with --binary (not compiled by this packager)",
    hashes: [{ alg: "SHA-256", content: binary.sha256 }],
  };
  const denort: CdxComponent[] = binary.compiledWith
    ? [{
      type: "platform",
      "bom-ref": `pkg:generic/denort@${binary.compiledWith}`,
      name: "denort",
      version: binary.compiledWith,
      description: "The Deno runtime embedded in bin/buildpack",
      licenses: [{ expression: "MIT" }],
      purl: `pkg:generic/denort@${binary.compiledWith}`,
    }]
    : [];
  return cyclonedxDocument(
    {
      type: "application",
      "bom-ref": `python-buildpack@${options.version}`,
      name: "python-buildpack",
      version: options.version,
      description: "Cloud Foundry buildpack for Python apps",
      licenses: [{ expression: "Apache-2.0" }],
      properties: [{ name: "cf:stack", value: options.stack }],
    },
    [executable, ...denort, ...npm, ...deps],
    {
      timestamp: new Date(options.epoch * 1000),
      tool: { type: "application", name: "python-buildpack-packager", version: options.version },
    },
  );
}

/** The npm packages `entry` reaches, from `deno info --json` (run with `config`). */
export async function npmGraph(entry: string, config: string): Promise<Record<string, NpmPackage>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", config, entry],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  if (!out.success) {
    throw new Error(`deno info ${entry} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  const info = JSON.parse(new TextDecoder().decode(out.stdout));
  const result: Record<string, NpmPackage> = {};
  for (const [key, pkg] of Object.entries(info.npmPackages ?? {})) {
    const { name, version } = pkg as NpmPackage;
    result[key] = { name, version };
  }
  return result;
}

/** `npm` integrity strings by package key from a deno.lock text. Pure. */
export function lockIntegrity(lockText: string): Record<string, string> {
  const lock = JSON.parse(lockText) as { npm?: Record<string, { integrity?: string }> };
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(lock.npm ?? {})) {
    if (value.integrity) result[key] = value.integrity;
  }
  return result;
}
