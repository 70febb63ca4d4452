/**
 * Pure process-type handling of the builder: parsing `launch.yml`,
 * `bin/release` output and the app's `Procfile`, and merging them (later wins
 * per type).
 * @module
 */
import { parse } from "yaml";

/** One process of a `launch.yml` (or converted from a type => command map). */
export interface Process {
  /** Process type (`web`, `worker`, ...). */
  type: string;
  /** Its command. */
  command: string;
  /** Present for sidecars: the process types the sidecar runs with. */
  sidecarFor?: string[];
}

/** A sidecar in `result.json`. */
export interface Sidecar {
  /** Sidecar name (its `type` in launch.yml). */
  name: string;
  /** Process types it accompanies. */
  process_types: string[];
  /** Its command. */
  command: string;
}

/** What the merged processes turn into in `result.json`. */
export interface ProcessResult {
  /** type => command, sidecars excluded. */
  processTypes: Record<string, string>;
  /** Non-sidecar processes in merge order. */
  processes: { type: string; command: string }[];
  /** Sidecars. */
  sidecars: Sidecar[];
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function scalarString(value: unknown, what: string): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new Error(`${what} is not a string`);
}

/** A YAML `type: command` map as a process list (Procfile, default_process_types). */
export function processesFromMap(map: Record<string, string>): Process[] {
  return Object.entries(map).map(([type, command]) => ({ type, command }));
}

function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === null || value === undefined) return {};
  if (!isMap(value)) throw new Error(`${what} is not a map of process type to command`);
  const out: Record<string, string> = {};
  for (const [key, command] of Object.entries(value)) {
    out[key] = scalarString(command, `${what}.${key}`);
  }
  return out;
}

/**
 * Parse a deps `launch.yml`: `processes: [{type, command, platforms:
 * {cloudfoundry: {sidecar_for: [...]}}}]`. Throws on invalid YAML.
 */
export function parseLaunchYml(text: string): Process[] {
  const doc: unknown = parse(text);
  if (doc === null || doc === undefined) return [];
  if (!isMap(doc)) throw new Error("launch.yml is not a map");
  const list = doc.processes;
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw new Error("launch.yml processes is not a list");
  return list.map((item, i) => {
    if (!isMap(item)) throw new Error(`launch.yml processes[${i}] is not a map`);
    const process: Process = {
      type: scalarString(item.type, `processes[${i}].type`),
      command: scalarString(item.command, `processes[${i}].command`),
    };
    const platforms = isMap(item.platforms) ? item.platforms : {};
    const cf = isMap(platforms.cloudfoundry) ? platforms.cloudfoundry : {};
    if (Array.isArray(cf.sidecar_for) && cf.sidecar_for.length > 0) {
      process.sidecarFor = cf.sidecar_for.map((t) => scalarString(t, "sidecar_for"));
    }
    return process;
  });
}

/**
 * Parse `bin/release` stdout; only `default_process_types` is read.
 * Throws on invalid YAML (the builder then fails with 224).
 */
export function parseRelease(text: string): Record<string, string> {
  const doc: unknown = parse(text);
  if (doc === null || doc === undefined) return {};
  if (!isMap(doc)) throw new Error("release output is not a YAML map");
  return stringMap(doc.default_process_types, "default_process_types");
}

/** Parse a `Procfile` (a YAML map of type to command); throws `invalid YAML`. */
export function parseProcfile(text: string): Record<string, string> {
  try {
    const doc: unknown = parse(text);
    return stringMap(doc, "Procfile");
  } catch {
    // The builder clobbers the YAML error the same way.
    throw new Error("invalid YAML");
  }
}

/** Merge process lists: an entry of `b` replaces the one of `a` with the same type. */
export function mergeProcesses(a: Process[], b: Process[]): Process[] {
  const result = [...a];
  for (const proc of b) {
    const i = result.findIndex((p) => p.type === proc.type);
    if (i >= 0) result[i] = proc;
    else result.push(proc);
  }
  return result;
}

/** Split merged processes into `process_types` (sorted keys, as Go's JSON), processes and sidecars. */
export function toProcessResult(processes: Process[]): ProcessResult {
  const types: Record<string, string> = {};
  const list: { type: string; command: string }[] = [];
  const sidecars: Sidecar[] = [];
  for (const p of processes) {
    if (p.sidecarFor?.length) {
      sidecars.push({ name: p.type, process_types: p.sidecarFor, command: p.command });
    } else {
      list.push({ type: p.type, command: p.command });
      types[p.type] = p.command;
    }
  }
  const processTypes = Object.fromEntries(
    Object.keys(types).sort().map((k) => [k, types[k]]),
  );
  return { processTypes, processes: list, sidecars };
}
