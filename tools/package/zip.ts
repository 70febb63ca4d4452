/**
 * A reproducible, streaming zip writer on `fflate`: Unix creator ("version
 * made by" 3.x), Unix modes in the external attributes, symlink entries
 * (mode 0o120777, the target as content), one fixed timestamp for every
 * entry (DOS time in UTC plus an extended-timestamp field), entries in the
 * order they are added. Files are streamed from disk; nothing large is held
 * in memory. Already-compressed files (`.tgz`, `.zip`, ...) are stored.
 * @module
 */
import { Zip, ZipDeflate, ZipPassThrough } from "fflate";

/** Mode of a regular file entry. */
export const FILE_MODE = 0o644;
/** Mode of an executable entry. */
export const EXEC_MODE = 0o755;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const UNIX = 3;
const STORED = /\.(tgz|gz|zip|xz|bz2|zst|whl|jar|sh)$/i;
/** The largest zip without ZIP64 (fflate writes none). */
const ZIP32_LIMIT = 0xffffffff;

/** DOS date fields can hold 1980-01-01 to 2107; clamp the epoch into that range. */
export function clampZipEpoch(epochSeconds: number): number {
  const min = Date.UTC(1980, 0, 1, 0, 0, 0) / 1000;
  const max = Date.UTC(2099, 11, 31, 23, 59, 58) / 1000;
  return Math.min(Math.max(Math.floor(epochSeconds), min), max);
}

/**
 * fflate writes DOS times from a Date's LOCAL fields; a Date whose local
 * fields equal the UTC fields of `epochSeconds` makes the bytes the same in
 * every time zone.
 */
export function dosDate(epochSeconds: number): Date {
  const u = new Date(clampZipEpoch(epochSeconds) * 1000);
  return new Date(
    u.getUTCFullYear(),
    u.getUTCMonth(),
    u.getUTCDate(),
    u.getUTCHours(),
    u.getUTCMinutes(),
    u.getUTCSeconds(),
  );
}

/** Extended timestamp extra field (0x5455): flags=mtime, mtime as UTC seconds. */
function extendedTimestamp(epochSeconds: number): Uint8Array {
  const field = new Uint8Array(5);
  field[0] = 1;
  new DataView(field.buffer).setUint32(1, clampZipEpoch(epochSeconds), true);
  return field;
}

/** Writes a zip to a file, one entry at a time. */
export class ZipWriter {
  #zip: Zip;
  #out: Deno.FsFile;
  #pending: Uint8Array[] = [];
  #error: Error | undefined;
  #written = 0;
  #epoch: number;
  #names = new Set<string>();

  private constructor(out: Deno.FsFile, epochSeconds: number) {
    this.#out = out;
    this.#epoch = epochSeconds;
    this.#zip = new Zip((err, chunk) => {
      if (err) this.#error = err;
      else this.#pending.push(chunk);
    });
  }

  /** Create (truncate) `path` and write every entry with mtime `epochSeconds`. */
  static async create(path: string, epochSeconds: number): Promise<ZipWriter> {
    const out = await Deno.open(path, { write: true, create: true, truncate: true });
    return new ZipWriter(out, epochSeconds);
  }

  async #flush(): Promise<void> {
    if (this.#error) throw this.#error;
    const chunks = this.#pending;
    this.#pending = [];
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.length) offset += await this.#out.write(chunk.subarray(offset));
      this.#written += chunk.length;
    }
    if (this.#written > ZIP32_LIMIT) {
      throw new Error("the zip would exceed 4 GiB, which needs ZIP64; fflate writes none");
    }
  }

  #attributes(name: string, mode: number, stored: boolean) {
    if (this.#names.has(name)) throw new Error(`duplicate zip entry ${name}`);
    this.#names.add(name);
    const entry = stored ? new ZipPassThrough(name) : new ZipDeflate(name, { level: 9 });
    entry.os = UNIX;
    entry.attrs = mode << 16;
    entry.mtime = dosDate(this.#epoch);
    entry.extra = { 0x5455: extendedTimestamp(this.#epoch) };
    this.#zip.add(entry);
    return entry;
  }

  /** Add a regular file entry with `bytes` and Unix permission bits `mode`. */
  async addBytes(name: string, bytes: Uint8Array, mode: number = FILE_MODE): Promise<void> {
    const entry = this.#attributes(name, S_IFREG | mode, STORED.test(name));
    entry.push(bytes, true);
    await this.#flush();
  }

  /** Add the file at `path` (streamed) as `name` with Unix permission bits `mode`. */
  async addFile(name: string, path: string, mode: number = FILE_MODE): Promise<void> {
    const entry = this.#attributes(name, S_IFREG | mode, STORED.test(name));
    using file = await Deno.open(path);
    const reader = file.readable.getReader();
    let previous: Uint8Array | undefined;
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      if (previous) {
        entry.push(previous, false);
        await this.#flush();
      }
      previous = value;
    }
    entry.push(previous ?? new Uint8Array(0), true);
    await this.#flush();
  }

  /** Add a symlink entry `name` -> `target` (mode 0o120777). */
  async addSymlink(name: string, target: string): Promise<void> {
    const entry = this.#attributes(name, S_IFLNK | 0o777, true);
    entry.push(new TextEncoder().encode(target), true);
    await this.#flush();
  }

  /** Write the central directory and close the file; returns the zip's size. */
  async close(): Promise<number> {
    try {
      this.#zip.end();
      await this.#flush();
    } finally {
      this.#out.close();
    }
    return this.#written;
  }

  /** Close the file without finishing the zip (after an error). */
  abort(): void {
    try {
      this.#out.close();
    } catch { /* already closed */ }
  }
}
