/**
 * A push parser for tar streams (POSIX ustar and pax, GNU long names), pure:
 * chunks go in, entries and their data come out through callbacks,
 * synchronously, before {@link TarParser.push} returns. So the caller can
 * read into one reused buffer, and nothing of the archive is kept but a
 * partial 512-byte header and, bounded, a long name or pax record.
 *
 * Read: regular files (`0`, NUL, `7`), hard links (`1`), symlinks (`2`),
 * directories (`5`), devices and FIFOs (`3`, `4`, `6`, reported for the
 * policy to refuse), GNU long names and link names (`L`, `K`), pax extended
 * headers (`x`: `path`, `linkpath`, `size`, `mtime`); global pax headers
 * (`g`) are skipped. Sizes and times in octal or GNU base-256. Anything else
 * is an error, as are bad checksums and a stream that ends before the
 * end-of-archive block.
 * @module
 */

/** A parsed tar entry. */
export interface TarEntry {
  /** Entry name (from pax `path`, a GNU long name, or ustar prefix + name). */
  name: string;
  /** `file`, `link`, `symlink`, `directory`, `character-device`, `block-device`, `fifo`. */
  type: TarEntryType;
  /** Data size in bytes (files only; 0 for the others). */
  size: number;
  /** Permission bits as stored (the caller masks them). */
  mode: number;
  /** Modification time, seconds (fractional with pax). */
  mtime: number;
  /** Target of a link, "" for other types. */
  linkname: string;
}

/** Entry types the parser reports. */
export type TarEntryType =
  | "file"
  | "link"
  | "symlink"
  | "directory"
  | "character-device"
  | "block-device"
  | "fifo";

/** Where an entry's data goes; the parser calls `write` for every piece, then `end`. */
export interface DataSink {
  /** A piece of the entry's data; the bytes are only valid during the call. */
  write(chunk: Uint8Array): void;
  /** All of the data has been written. */
  end(): void;
}

/** A tar stream that cannot be read; `message` says why, for the staging log. */
export class TarFormatError extends Error {
  /** @param message why, completing "... is not a valid archive: " */
  constructor(message: string) {
    super(message);
    this.name = "TarFormatError";
  }
}

/** Largest GNU long name or pax header accepted. */
export const MAX_META_SIZE = 1 << 20;

const BLOCK = 512;
const TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "link",
  "2": "symlink",
  "3": "character-device",
  "4": "block-device",
  "5": "directory",
  "6": "fifo",
};

const utf8 = new TextDecoder();

/** A NUL-terminated string field. */
function text(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && block[end] !== 0) end++;
  return utf8.decode(block.subarray(offset, end));
}

/** An octal number field, or GNU base-256 when its first byte has the high bit. */
function number(block: Uint8Array, offset: number, length: number, field: string): number {
  if (block[offset] & 0x80) {
    if (block[offset] === 0xff) throw new TarFormatError(`a tar header has a negative ${field}`);
    let n = block[offset] & 0x7f;
    for (let i = offset + 1; i < offset + length; i++) n = n * 256 + block[i];
    if (!Number.isSafeInteger(n)) throw new TarFormatError(`a tar header's ${field} is too large`);
    return n;
  }
  const s = text(block, offset, length).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) {
    throw new TarFormatError(`a tar header is corrupt (${field} '${s}' is not an octal number)`);
  }
  return parseInt(s, 8);
}

/** Whether the header's checksum is right (unsigned sum, or the signed one old tars wrote). */
function checksumOk(block: Uint8Array): boolean {
  const stored = number(block, 148, 8, "checksum");
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Pax extended header records: `"<length> <key>=<value>\n"`. */
export function parsePax(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let p = 0;
  while (p < data.length) {
    let space = p;
    while (space < data.length && data[space] !== 0x20) space++;
    const length = Number(utf8.decode(data.subarray(p, space)));
    if (!Number.isInteger(length) || length <= 0 || p + length > data.length) {
      // Trailing NUL padding is not a record.
      if (data.subarray(p).every((b) => b === 0)) break;
      throw new TarFormatError("a pax extended header is corrupt");
    }
    const record = utf8.decode(data.subarray(space + 1, p + length - 1));
    const eq = record.indexOf("=");
    if (eq < 0 || data[p + length - 1] !== 0x0a) {
      throw new TarFormatError("a pax extended header is corrupt");
    }
    out.set(record.slice(0, eq), record.slice(eq + 1));
    p += length;
  }
  return out;
}

type State =
  /** Collecting a 512-byte header. */
  | { kind: "header" }
  /** Passing an entry's data to its sink (or dropping it without one). */
  | { kind: "data"; sink: DataSink | undefined; left: number; padding: number }
  /** Collecting a long name or pax header. */
  | { kind: "meta"; type: string; data: Uint8Array; got: number; padding: number }
  /** Skipping the padding after data. */
  | { kind: "padding"; left: number }
  /** After the end-of-archive block: the rest is ignored. */
  | { kind: "end" };

/**
 * Parses one tar stream. `onEntry` is called for every entry and returns
 * where its data goes (files), or undefined to drop it.
 */
export class TarParser {
  readonly #onEntry: (entry: TarEntry) => DataSink | undefined;
  #state: State = { kind: "header" };
  readonly #header = new Uint8Array(BLOCK);
  #headerGot = 0;
  /** Overrides from GNU `L`/`K` and pax `x` headers for the next entry. */
  #next: { name?: string; linkname?: string; size?: number; mtime?: number } = {};
  #entries = 0;

  /** @param onEntry called for every entry, in archive order */
  constructor(onEntry: (entry: TarEntry) => DataSink | undefined) {
    this.#onEntry = onEntry;
  }

  /** Feed the next bytes of the stream; entries are reported before this returns. */
  push(chunk: Uint8Array): void {
    let p = 0;
    while (p < chunk.length) {
      const state = this.#state;
      switch (state.kind) {
        case "end":
          return;
        case "header": {
          const n = Math.min(BLOCK - this.#headerGot, chunk.length - p);
          this.#header.set(chunk.subarray(p, p + n), this.#headerGot);
          this.#headerGot += n;
          p += n;
          if (this.#headerGot === BLOCK) {
            this.#headerGot = 0;
            this.#onHeader(this.#header);
          }
          break;
        }
        case "data": {
          const n = Math.min(state.left, chunk.length - p);
          if (n > 0) state.sink?.write(chunk.subarray(p, p + n));
          state.left -= n;
          p += n;
          if (state.left === 0) {
            this.#state = state.padding ? { kind: "padding", left: state.padding } : HEADER;
            state.sink?.end();
          }
          break;
        }
        case "meta": {
          const n = Math.min(state.data.length - state.got, chunk.length - p);
          state.data.set(chunk.subarray(p, p + n), state.got);
          state.got += n;
          p += n;
          if (state.got === state.data.length) {
            this.#onMeta(state.type, state.data);
            this.#state = state.padding ? { kind: "padding", left: state.padding } : HEADER;
          }
          break;
        }
        case "padding": {
          const n = Math.min(state.left, chunk.length - p);
          state.left -= n;
          p += n;
          if (state.left === 0) this.#state = HEADER;
          break;
        }
      }
    }
  }

  /** The stream has ended: throws when that is in the middle of the archive. */
  end(): void {
    if (this.#state.kind === "end") return;
    if (this.#state.kind === "header" && this.#headerGot === 0 && this.#entries === 0) {
      throw new TarFormatError("it contains no data");
    }
    if (this.#state.kind === "header" && this.#headerGot === 0) {
      throw new TarFormatError("it ends without an end-of-archive block (the file is truncated)");
    }
    throw new TarFormatError("it ends in the middle of an entry (the file is truncated)");
  }

  #onHeader(block: Uint8Array): void {
    if (block.every((b) => b === 0)) {
      // The end-of-archive block (GNU tar writes two; one is enough to stop).
      this.#state = { kind: "end" };
      return;
    }
    if (!checksumOk(block)) throw new TarFormatError("a tar header is corrupt (bad checksum)");
    this.#entries++;
    const flag = String.fromCharCode(block[156]);
    const size = number(block, 124, 12, "size");
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (flag === "L" || flag === "K" || flag === "x" || flag === "g") {
      if (size > MAX_META_SIZE) {
        throw new TarFormatError(
          `a ${flag === "x" || flag === "g" ? "pax" : "long name"} header is too large`,
        );
      }
      this.#state = { kind: "meta", type: flag, data: new Uint8Array(size), got: 0, padding };
      if (size === 0) {
        this.#onMeta(flag, new Uint8Array(0));
        this.#state = HEADER;
      }
      return;
    }
    const type = TYPES[flag];
    if (type === undefined) {
      throw new TarFormatError(
        `entry '${this.#next.name ?? text(block, 0, 100)}' has an unsupported type ('${flag}')`,
      );
    }
    // POSIX ustar ("ustar\0" "00") splits long names into prefix + name; GNU
    // ("ustar  \0") uses those bytes for other things.
    const posix = block[257] === 0x75 && text(block, 257, 6) === "ustar" && block[262] === 0;
    let name = text(block, 0, 100);
    if (posix && block[345] !== 0) name = `${text(block, 345, 155)}/${name}`;
    const next = this.#next;
    this.#next = {};
    const dataSize = next.size ?? size;
    const fullName = next.name ?? name;
    const entry: TarEntry = {
      name: fullName,
      // Old (v7) tars mark directories only with a trailing slash.
      type: type === "file" && flag !== "7" && fullName.endsWith("/") ? "directory" : type,
      size: 0,
      mode: number(block, 100, 8, "mode"),
      mtime: next.mtime ?? number(block, 136, 12, "mtime"),
      linkname: type === "link" || type === "symlink" ? next.linkname ?? text(block, 157, 100) : "",
    };
    // Directories carry no data whatever their size field says (GNU tar and
    // tar-stream read it so); every other type's data is passed or skipped.
    const carried = entry.type === "directory" ? 0 : dataSize;
    if (entry.type === "file") entry.size = carried;
    const sink = this.#onEntry(entry);
    const pad = (BLOCK - (carried % BLOCK)) % BLOCK;
    if (carried === 0) {
      sink?.end();
      this.#state = HEADER;
    } else {
      this.#state = {
        kind: "data",
        sink: entry.type === "file" ? sink : undefined,
        left: carried,
        padding: pad,
      };
    }
  }

  #onMeta(type: string, data: Uint8Array): void {
    if (type === "L") this.#next.name = text(data, 0, data.length);
    else if (type === "K") this.#next.linkname = text(data, 0, data.length);
    else if (type === "x") {
      const pax = parsePax(data);
      const path = pax.get("path");
      if (path !== undefined) this.#next.name = path;
      const linkpath = pax.get("linkpath");
      if (linkpath !== undefined) this.#next.linkname = linkpath;
      const size = pax.get("size");
      if (size !== undefined) {
        if (!/^\d+$/.test(size) || !Number.isSafeInteger(Number(size))) {
          throw new TarFormatError(`a pax header has an invalid size '${size}'`);
        }
        this.#next.size = Number(size);
      }
      const mtime = pax.get("mtime");
      if (mtime !== undefined) {
        const t = Number(mtime);
        if (!Number.isFinite(t)) {
          throw new TarFormatError(`a pax header has an invalid mtime '${mtime}'`);
        }
        this.#next.mtime = t;
      }
    }
    // 'g' (global pax headers) carry nothing an extraction here uses.
  }
}

const HEADER: State = { kind: "header" };
