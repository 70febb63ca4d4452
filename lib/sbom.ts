/**
 * CycloneDX 1.5 software bills of materials. At staging,
 * {@link writeStagingSbom} lists what the buildpack put into the droplet
 * (`deps/<IDX>/sbom.cdx.json`): the CPython runtime and every distribution in
 * its site-packages, with version and licence where the distribution's
 * `METADATA` says. The document helpers are shared with the release packager
 * (`tools/package`). Parsing is pure; only `writeStagingSbom` does I/O.
 * @module
 */
import { join } from "./path.ts";
import type { Logger } from "./log.ts";
import { normalizeName, sitePackagesDir } from "./python/site_packages.ts";
import { byCodeUnit } from "./compare.ts";
import type { UsedBytecodeArchive } from "./python/bytecode_archive.ts";

/** A CycloneDX licence choice: an SPDX expression, or a named licence. */
export type CdxLicense = { expression: string } | { license: { name: string } };

/** A CycloneDX hash. */
export interface CdxHash {
  /** `SHA-256`, `SHA-512`, ... */
  alg: string;
  /** Lowercase hex. */
  content: string;
}

/** A CycloneDX external reference. */
export interface CdxExternalReference {
  /** `distribution`, `source-distribution`, `website`, ... */
  type: string;
  /** The URL. */
  url: string;
  /** Hashes of what the URL points at. */
  hashes?: CdxHash[];
}

/** A CycloneDX component (the fields this project writes). */
export interface CdxComponent {
  /** `application`, `library`, `platform`, `file`, ... */
  type: string;
  /** Unique within the document. */
  "bom-ref"?: string;
  /** Component name. */
  name: string;
  /** Component version. */
  version?: string;
  /** What it is. */
  description?: string;
  /** `required` (default) or `excluded` (not present at runtime). */
  scope?: string;
  /** Hashes of the component itself. */
  hashes?: CdxHash[];
  /** Licences. */
  licenses?: CdxLicense[];
  /** Package URL. */
  purl?: string;
  /** Where it comes from. */
  externalReferences?: CdxExternalReference[];
  /** Free-form name/value pairs. */
  properties?: { name: string; value: string }[];
}

/** A CycloneDX 1.5 JSON document. */
export interface CdxDocument {
  /** Always `CycloneDX`. */
  bomFormat: "CycloneDX";
  /** Always `1.5`. */
  specVersion: "1.5";
  /** Document version, 1. */
  version: number;
  /** What the document describes and when it was made. */
  metadata: {
    timestamp: string;
    tools?: { components: CdxComponent[] };
    component: CdxComponent;
  };
  /** The contents. */
  components: CdxComponent[];
}

/** A CycloneDX 1.5 document for `subject` holding `components`. Pure. */
export function cyclonedxDocument(
  subject: CdxComponent,
  components: CdxComponent[],
  options: { timestamp: Date; tool?: CdxComponent },
): CdxDocument {
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    version: 1,
    metadata: {
      timestamp: options.timestamp.toISOString().replace(/\.\d{3}Z$/, "Z"),
      ...(options.tool ? { tools: { components: [options.tool] } } : {}),
      component: subject,
    },
    components,
  };
}

/** What a distribution's `METADATA` says about itself. */
export interface DistMetadata {
  /** `Name:` as written. */
  name: string;
  /** `Version:`. */
  version: string;
  /** `License-Expression:` (core metadata 2.4), an SPDX expression. */
  licenseExpression?: string;
  /** `License:` (free text; sometimes a whole licence text). */
  license?: string;
  /** `Classifier: License :: ...` entries, last segment (`MIT License`). */
  licenseClassifiers: string[];
  /** `Home-page:` or the first `Project-URL:`. */
  homepage?: string;
}

/**
 * Parse the header part of a core-metadata file (RFC 822 style: `Key: value`,
 * continuation lines start with whitespace, the body after the first blank
 * line is the description). Returns `undefined` without Name and Version. Pure.
 */
export function parseDistMetadata(text: string): DistMetadata | undefined {
  const headers: [string, string][] = [];
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (line === "") break;
    if (/^[ \t]/.test(line) && headers.length) {
      const last = headers[headers.length - 1];
      last[1] += "\n" + line.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  const first = (key: string) => headers.find(([k]) => k === key)?.[1];
  const name = first("name");
  const version = first("version");
  if (!name || !version) return undefined;
  const licenseClassifiers = headers
    .filter(([k, v]) => k === "classifier" && v.startsWith("License ::"))
    .map(([, v]) => v.split("::").pop()!.trim())
    .filter((v) => v !== "" && v !== "OSI Approved");
  const projectUrl = first("project-url")?.split(",").slice(1).join(",").trim();
  const result: DistMetadata = { name, version, licenseClassifiers };
  const expression = first("license-expression");
  if (expression) result.licenseExpression = expression;
  const license = first("license");
  if (license) result.license = license;
  const homepage = first("home-page") || projectUrl;
  if (homepage) result.homepage = homepage;
  return result;
}

const UNKNOWN_LICENSE = /^(unknown|none|n\/a|-|other\/proprietary license)?$/i;

/**
 * The licences of a distribution: its SPDX `License-Expression`, else a short
 * one-line `License:` value, else its licence classifiers. Pure.
 */
export function distLicenses(meta: DistMetadata): CdxLicense[] {
  if (meta.licenseExpression) return [{ expression: meta.licenseExpression }];
  const text = meta.license?.trim() ?? "";
  if (text && !text.includes("\n") && text.length <= 100 && !UNKNOWN_LICENSE.test(text)) {
    return [{ license: { name: text } }];
  }
  return [...new Set(meta.licenseClassifiers)].map((name) => ({ license: { name } }));
}

/** The component of an installed Python distribution (purl `pkg:pypi/...`). Pure. */
export function distributionComponent(meta: DistMetadata): CdxComponent {
  const purlName = normalizeName(meta.name);
  const licenses = distLicenses(meta);
  return {
    type: "library",
    "bom-ref": `pkg:pypi/${purlName}@${meta.version}`,
    name: meta.name,
    version: meta.version,
    purl: `pkg:pypi/${purlName}@${encodeURIComponent(meta.version)}`,
    ...(licenses.length ? { licenses } : {}),
    ...(meta.homepage ? { externalReferences: [{ type: "website", url: meta.homepage }] } : {}),
  };
}

/** The component of the CPython runtime the buildpack installed. Pure. */
export function runtimeComponent(version: string, sha256?: string): CdxComponent {
  return {
    type: "application",
    "bom-ref": `pkg:generic/cpython@${version}`,
    name: "cpython",
    version,
    description: "The CPython runtime installed by the Python buildpack (deps/<IDX>/python)",
    purl: `pkg:generic/cpython@${version}`,
    licenses: [{ expression: "PSF-2.0" }],
    ...(sha256 ? { hashes: [{ alg: "SHA-256", content: sha256.toLowerCase() }] } : {}),
  };
}

/**
 * The buildpack's `python-bytecode` archive whose `.pyc` files were added to
 * the runtime (see `bytecode_archive.ts`), with the archive's sha256. Pure.
 */
export function bytecodeArchiveComponent(archive: UsedBytecodeArchive): CdxComponent {
  const { version, sha256 } = archive;
  return {
    type: "file",
    "bom-ref": `pkg:generic/python-bytecode@${version}`,
    name: "python-bytecode",
    version,
    description: "Precompiled bytecode of pip's imports added to the runtime by the buildpack " +
      "(deps/<IDX>/python/lib/pythonX.Y/**/__pycache__)",
    purl: `pkg:generic/python-bytecode@${version}`,
    hashes: [{ alg: "SHA-256", content: sha256.toLowerCase() }],
  };
}

/** Metadata of every `*.dist-info` in `sitePackages`, sorted by name then version. */
async function readDistributions(sitePackages: string, log?: Logger): Promise<DistMetadata[]> {
  const found: DistMetadata[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(sitePackages));
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!e.name.endsWith(".dist-info") && !e.name.endsWith(".egg-info")) continue;
    const file = e.name.endsWith(".dist-info") ? "METADATA" : "PKG-INFO";
    const path = e.isDirectory ? join(sitePackages, e.name, file) : join(sitePackages, e.name);
    let meta: DistMetadata | undefined;
    try {
      meta = parseDistMetadata(await Deno.readTextFile(path));
    } catch { /* unreadable: reported below */ }
    if (meta) found.push(meta);
    else log?.debug(`SBOM: no Name/Version in ${path}; left out`);
  }
  return found.sort((a, b) =>
    byCodeUnit(normalizeName(a.name), normalizeName(b.name)) ||
    byCodeUnit(a.version, b.version)
  );
}

/**
 * Write `<depsIdxDir>/sbom.cdx.json`, a CycloneDX 1.5 SBOM of the CPython
 * runtime in `<depsIdxDir>/python` and every distribution installed in its
 * site-packages (name, version, licence where known, purl), and return its path.
 */
export async function writeStagingSbom(
  depsIdxDir: string,
  options: {
    pythonVersion: string;
    runtimeSha256?: string;
    /** The buildpack's bytecode archive added to the runtime, if any. */
    bytecodeArchive?: UsedBytecodeArchive;
    buildpackVersion?: string;
    log?: Logger;
  },
): Promise<string> {
  const sitePackages = sitePackagesDir(join(depsIdxDir, "python"));
  const distributions = sitePackages ? await readDistributions(sitePackages, options.log) : [];
  const runtime = runtimeComponent(options.pythonVersion, options.runtimeSha256);
  const doc = cyclonedxDocument(
    {
      type: "application",
      name: "python-app-dependencies",
      description: "What the Python buildpack installed into this droplet",
    },
    [
      runtime,
      ...(options.bytecodeArchive ? [bytecodeArchiveComponent(options.bytecodeArchive)] : []),
      ...distributions.map(distributionComponent),
    ],
    {
      timestamp: new Date(),
      tool: {
        type: "application",
        name: "python-buildpack",
        ...(options.buildpackVersion ? { version: options.buildpackVersion } : {}),
      },
    },
  );
  const path = join(depsIdxDir, "sbom.cdx.json");
  await Deno.writeTextFile(path, JSON.stringify(doc, null, 2) + "\n");
  options.log?.debug(`SBOM: ${distributions.length} distributions + cpython in ${path}`);
  return path;
}
