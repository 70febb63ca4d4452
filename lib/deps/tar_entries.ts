/**
 * Reading a tar stream entry by entry with `tar-stream` (a maintained
 * parser: ustar, pax, GNU long names), for the extractor: each entry is
 * described as a {@link TarEntry} and its data goes to the {@link DataSink}
 * the caller returns for it, before the next entry is read.
 * @module
 */
// @deno-types="@types/tar-stream"
import tar from "tar-stream";

/** A tar entry, as the extractor needs it. */
export interface TarEntry {
  /** Entry name (pax `path`, GNU long name, or ustar prefix + name). */
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

/** Entry types the extractor is told about. */
export type TarEntryType =
  | "file"
  | "link"
  | "symlink"
  | "directory"
  | "character-device"
  | "block-device"
  | "fifo";

/** Where an entry's data goes: `write` for every piece, then `end`. */
export interface DataSink {
  /** A piece of the entry's data. */
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

const TYPES: Partial<Record<string, TarEntryType>> = {
  "file": "file",
  "contiguous-file": "file",
  "link": "link",
  "symlink": "symlink",
  "directory": "directory",
  "character-device": "character-device",
  "block-device": "block-device",
  "fifo": "fifo",
};

/** tar-stream's header as a {@link TarEntry}. Pure. */
export function toEntry(header: tar.Headers): TarEntry {
  // tar-stream names every type it knows; `null` is a type flag it does not.
  let type = header.type ? TYPES[header.type] : undefined;
  // Old (v7) archives mark a directory by a trailing slash on a regular entry.
  if (type === "file" && header.name.endsWith("/") && !header.size) type = "directory";
  if (!type) {
    throw new TarFormatError(
      `entry '${header.name}' has an unsupported type (${header.type ?? "unknown"})`,
    );
  }
  const pax = (header as { pax?: Record<string, string> | null }).pax;
  const paxTime = pax?.mtime === undefined ? NaN : Number(pax.mtime);
  return {
    name: header.name,
    type,
    size: type === "file" ? header.size ?? 0 : 0,
    mode: header.mode ?? 0o644,
    mtime: Number.isFinite(paxTime) ? paxTime : (header.mtime?.getTime() ?? 0) / 1000,
    linkname: header.linkname ?? "",
  };
}

/** tar-stream's error messages, said for the staging log. */
function problem(e: unknown): Error {
  if (e instanceof TarFormatError || !(e instanceof Error)) return e as Error;
  if (/unexpected end of data|premature close/i.test(e.message)) {
    return new TarFormatError("it ends in the middle of an entry (the file is truncated)");
  }
  if (/invalid tar header/i.test(e.message)) {
    return new TarFormatError("a tar header is corrupt (bad checksum)");
  }
  if (/unknown format|invalid (header|pax)/i.test(e.message)) {
    return new TarFormatError(`a tar header is corrupt (${e.message})`);
  }
  return e;
}

/** Two 512-byte zero blocks end a tar archive. */
const END_BLOCKS = 1024;

/** Keep the last `tail.length` bytes of the stream in `tail`. */
function keepTail(tail: Uint8Array, chunk: Uint8Array): void {
  if (chunk.length >= tail.length) {
    tail.set(chunk.subarray(chunk.length - tail.length));
  } else {
    tail.copyWithin(0, chunk.length);
    tail.set(chunk, tail.length - chunk.length);
  }
}

/** How long the rest of an archive may go without an entry or a piece of data. */
const STALL_MS = 10_000;

/**
 * Settles with `work`, or rejects when `progress()` stops changing for
 * `ms`. Once all of the input is handed over, tar-stream 3.2 neither ends nor
 * fails an entry whose header promises more data than the archive has when
 * it is a directory (a truncated or malformed archive): staging must not
 * wait forever.
 */
async function unlessStalled<T>(work: Promise<T>, progress: () => number, ms: number): Promise<T> {
  let timer: ReturnType<typeof setInterval> | undefined;
  const stall = new Promise<never>((_, reject) => {
    let last = progress();
    timer = setInterval(() => {
      const now = progress();
      if (now !== last) {
        last = now;
        return;
      }
      reject(new TarFormatError("it ends in the middle of an entry (the file is truncated)"));
    }, ms);
  });
  try {
    return await Promise.race([work, stall]);
  } finally {
    clearInterval(timer);
  }
}

/** Options of {@link readTarEntries}. */
export interface ReadTarOptions {
  /** How long the rest of an archive may go without progress once all of it is handed over. */
  stallMs?: number;
  /**
   * Told, as the reading goes, an offset in the stream before which
   * tar-stream keeps none of the bytes it was given (a header's bytes once
   * the entry is announced, a file's once its sink has them): the caller may
   * then overwrite the buffers that held them. Not called at all when
   * tar-stream does not say where an entry's data starts.
   */
  released?: (offset: number) => void;
}

/** Where tar-stream says an entry's data starts in the stream (3.x sets it; not in its types). */
function dataOffset(header: tar.Headers): number | undefined {
  const offset = (header as { byteOffset?: unknown }).byteOffset;
  return typeof offset === "number" ? offset : undefined;
}

/**
 * Feed `chunks` (a tar stream) to tar-stream; for every entry call
 * `onEntry` and write the entry's data to the sink it returns (data of
 * entries without a sink is skipped). Errors of `onEntry` or of a sink stop
 * the reading and are thrown as they are.
 *
 * Entries are taken with tar-stream's events rather than its async
 * iterators: a sink's writes are synchronous, so a promise per entry and per
 * piece of data would only cost time and garbage.
 * @throws TarFormatError for an archive tar-stream cannot read
 */
export async function readTarEntries(
  chunks: AsyncIterable<Uint8Array>,
  onEntry: (entry: TarEntry) => DataSink | undefined,
  options: ReadTarOptions = {},
): Promise<void> {
  const extract = tar.extract({ allowUnknownFormat: true }); // v7 headers have no magic
  const released = options.released;
  let bytes = 0;
  const tail = new Uint8Array(END_BLOCKS);
  let progress = 0;
  /** The first error of `onEntry` or of a sink: it explains more than tar-stream's. */
  let failure: { error: unknown } | undefined;
  let settle!: { resolve: () => void; reject: (e: unknown) => void };
  const done = new Promise<void>((resolve, reject) => settle = { resolve, reject });
  done.catch(() => {});
  const stop = (error: unknown) => {
    failure ??= { error };
    settle.reject(error);
    extract.destroy(error as Error);
  };
  extract.on("finish", () => settle.resolve());
  extract.on("error", (e: unknown) => settle.reject(e));
  extract.on("close", () => settle.reject(new Error("premature close")));
  extract.on("entry", (header: tar.Headers, stream: tar.Entry, next: () => void) => {
    stream.on("error", () => {}); // tar-stream's error is the extract's, handled there
    if (failure) return;
    progress++;
    let sink: DataSink | undefined;
    try {
      sink = onEntry(toEntry(header));
    } catch (e) {
      return stop(e);
    }
    let at = dataOffset(header);
    if (released && at !== undefined) released(at);
    stream.on("data", (chunk: Uint8Array) => {
      if (failure) return;
      progress++;
      try {
        sink?.write(chunk);
      } catch (e) {
        return stop(e);
      }
      // The sink wrote the piece: nothing before its end is kept any more.
      if (released && at !== undefined) released(at += chunk.length);
    });
    stream.on("end", () => {
      if (failure) return;
      try {
        sink?.end();
      } catch (e) {
        return stop(e);
      }
      next();
    });
  });
  try {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      keepTail(tail, chunk);
      if (!extract.write(chunk)) {
        await Promise.race([new Promise((resolve) => extract.once("drain", resolve)), done]);
      }
    }
    if (bytes === 0) throw new TarFormatError("it contains no data");
    extract.end();
    await unlessStalled(done, () => progress, options.stallMs ?? STALL_MS);
    // Every tar writer ends with two zero blocks (then zero padding); tar-stream
    // stops quietly at a cut between entries, so check for them here.
    if (bytes < END_BLOCKS || tail.some((b) => b !== 0)) {
      throw new TarFormatError(
        "it ends without an end-of-archive block (the file is truncated)",
      );
    }
  } catch (e) {
    extract.destroy();
    throw problem(failure ? failure.error : e);
  }
}
