/**
 * Reading TOML files of the app (pyproject.toml, uv.lock, poetry.lock,
 * Pipfile) with one maintained parser, and the few facts of pyproject.toml
 * the buildpack needs. Pure.
 * @module
 */
import { parse, TomlError } from "smol-toml";
import { tomlInvalid } from "../errors.ts";
import type { PyprojectTables } from "./managers/choose.ts";

/** A parsed TOML document. */
export type TomlTable = Record<string, unknown>;

/**
 * Parse `text` as TOML (a UTF-8 BOM is ignored).
 * @throws BuildpackError naming `file` and the line of the syntax error
 */
export function parseToml(text: string, file: string): TomlTable {
  try {
    return parse(text.replace(/^\uFEFF/, "")) as TomlTable;
  } catch (error) {
    if (error instanceof TomlError) {
      const first = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      throw tomlInvalid(file, `line ${error.line}, column ${error.column}: ${first}`);
    }
    throw error;
  }
}

/** `value` as a table, or undefined when it is not one. */
export function table(value: unknown): TomlTable | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
      !(value instanceof Date)
    ? value as TomlTable
    : undefined;
}

/** Which tables pyproject.toml has, for choosing the package manager. */
export function pyprojectTables(doc: TomlTable): PyprojectTables {
  const tool = table(doc.tool);
  return {
    project: table(doc.project) !== undefined,
    buildSystem: table(doc["build-system"]) !== undefined,
    toolPoetry: table(tool?.poetry) !== undefined,
    toolUv: table(tool?.uv) !== undefined,
  };
}

/** `[project] requires-python`, trimmed; undefined when absent or empty. */
export function requiresPython(doc: TomlTable): string | undefined {
  const value = table(doc.project)?.["requires-python"];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}
