/**
 * Python's `json.dumps(obj, sort_keys=True, ...)` byte for byte, for the lock
 * hashes Poetry (`content-hash`) and Pipenv (`_meta.hash`) compute from a
 * parsed TOML file. Pure.
 *
 * What differs from `JSON.stringify`: keys are sorted by code point (Python
 * compares `str` by code point, JavaScript's default sort by UTF-16 unit),
 * every character outside printable ASCII is written `\uXXXX` (lower-case
 * hex, astral characters as surrogate pairs; `ensure_ascii=True`), DEL too,
 * and the item and key separators are configurable (`", "`/`": "` by default).
 * @module
 */

import { createHash } from "node:crypto";

/** Separators as Python's `json.dumps(separators=(item, key))`. */
export interface PythonJsonOptions {
  /** Between list items and object members: `", "` (Python's default) or `","`. */
  item?: string;
  /** Between a key and its value: `": "` (Python's default) or `":"`. */
  key?: string;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** A string as Python's `json.dumps` writes it with `ensure_ascii=True`. */
function pythonString(text: string): string {
  // Iterating UTF-16 units (not code points) gives the surrogate pairs Python writes.
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    if (SHORT_ESCAPES[ch]) out += SHORT_ESCAPES[ch];
    else if (code < 0x20 || code > 0x7e) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** Python's `str` ordering: by code point, which UTF-16 order gets wrong above U+D7FF. */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** A number as Python writes it (integers and ordinary floats; see the note below). */
function pythonNumber(value: number | bigint): string {
  if (typeof value === "bigint") return value.toString();
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  return String(value);
}

/**
 * `json.dumps(value, sort_keys=True, separators=(item, key))` as Python writes it.
 * TOML dates are written as their ISO text (Python would refuse them; the
 * tools never hash one). A whole TOML float (`1.0`) prints as `1` because the
 * parsed value cannot tell it from an integer, and floats Python writes in
 * exponent form (`1e-05`) differ; neither occurs in the hashed sections.
 */
export function pythonJsonDumps(value: unknown, options: PythonJsonOptions = {}): string {
  const item = options.item ?? ", ";
  const key = options.key ?? ": ";
  const dump = (v: unknown): string => {
    if (v === null || v === undefined) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (typeof v === "number" || typeof v === "bigint") return pythonNumber(v);
    if (typeof v === "string") return pythonString(v);
    if (v instanceof Date) return pythonString(v.toISOString());
    if (Array.isArray(v)) return "[" + v.map(dump).join(item) + "]";
    if (typeof v === "object") {
      const entries = Object.entries(v as Record<string, unknown>)
        .sort(([a], [b]) => compareCodePoints(a, b));
      return "{" + entries.map(([k, x]) => pythonString(k) + key + dump(x)).join(item) + "}";
    }
    return pythonString(String(v));
  };
  return dump(value);
}

/** Lower-case hex sha256 of the UTF-8 bytes of `text` (what both tools store). */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
