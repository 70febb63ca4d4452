/**
 * Pure composition of the builder's outputs: `staging_info.yml` and
 * `result.json` (buildpackapplifecycle's StagingResult).
 * @module
 */
import type { ProcessResult } from "./process_types.ts";

/** `staging_info.yml` (JSON despite its name). */
export interface StagingInfo {
  /** Name of the final buildpack (config.yml name, or detect output). */
  detected_buildpack: string;
  /** The `web` command (or the `cf push -c` command), "" when none. */
  start_command: string;
}

/** One entry of `lifecycle_metadata.buildpacks`. */
export interface BuildpackMetadata {
  /** Buildpack key. */
  key: string;
  /** `name` of its `deps/<IDX>/config.yml` ("" when none). */
  name: string;
  /** `version` of its config.yml, left out when none. */
  version?: string;
}

/** `result.json` as the builder writes it. */
export interface StagingResultJson {
  /** Final buildpack key and name, and every buildpack's metadata. */
  lifecycle_metadata: {
    buildpack_key?: string;
    detected_buildpack: string;
    buildpacks: BuildpackMetadata[];
  };
  /** type => command. */
  process_types: Record<string, string>;
  /** Processes in merge order, null when none. */
  processes: { type: string; command: string }[] | null;
  /** Sidecars, null when none. */
  sidecars: ProcessResult["sidecars"] | null;
  /** Always "". */
  execution_metadata: string;
  /** Always "buildpack". */
  lifecycle_type: string;
}

/**
 * Both outputs from the merged processes and the buildpacks' metadata (the
 * last one is the final buildpack). `startCommand` (`cf push -c`) replaces
 * the web command in staging_info only; process_types stay the buildpack's.
 */
export function stagingOutputs(
  processes: ProcessResult,
  buildpacks: BuildpackMetadata[],
  options: { startCommand?: string } = {},
): { stagingInfo: StagingInfo; result: StagingResultJson } {
  const last: BuildpackMetadata = buildpacks[buildpacks.length - 1] ?? { key: "", name: "" };
  return {
    stagingInfo: {
      detected_buildpack: last.name,
      start_command: options.startCommand ?? processes.processTypes.web ?? "",
    },
    result: {
      lifecycle_metadata: {
        ...(last.key ? { buildpack_key: last.key } : {}),
        detected_buildpack: last.name,
        buildpacks,
      },
      process_types: processes.processTypes,
      processes: processes.processes.length ? processes.processes : null,
      sidecars: processes.sidecars.length ? processes.sidecars : null,
      execution_metadata: "",
      lifecycle_type: "buildpack",
    },
  };
}
