/**
 * Reading a gzipped tarball entry by entry into a {@link TreeWriter}.
 *
 * Inflation runs in a `gzip -dc` child process when the stack has `gzip` (as
 * GNU `tar xzf` does), so that it overlaps with parsing and file creation on
 * this thread; without `gzip`, `DecompressionStream` inflates in-process.
 * Entries are parsed with `tar-stream` (ustar, GNU and PAX long names) and
 * every chunk of a file is written as it arrives, with backpressure: memory
 * stays bounded by the pipe's chunk size whatever the archive's size.
 * @module
 */
// @deno-types="@types/tar-stream"
import tar from "tar-stream";
import type { Readable } from "node:stream";
import { archiveInvalid, BuildpackError } from "../errors.ts";
import { refusedType } from "./archive_policy.ts";
import type { TreeWriter } from "./tree_writer.ts";

const LABEL = ".tgz";

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Options of {@link readTgz}. */
export interface ReadTgzOptions {
  /** Inflate in-process even when `gzip` exists (tests of the fallback). */
  inProcess?: boolean;
}

/**
 * Extract the gzipped tarball `archive` through `writer`, then let the
 * writer finish (symlinks, directory modes).
 * @throws {BuildpackError} archiveInvalid for corrupt or truncated data, the
 *   writer's refusals and write failures as they come
 */
export async function readTgz(
  archive: string,
  writer: TreeWriter,
  options: ReadTgzOptions = {},
): Promise<void> {
  const invalid = (reason: string) => archiveInvalid(archive, LABEL, reason);
  const child = options.inProcess ? undefined : spawnGzip(archive);
  if (!child) {
    using file = await Deno.open(archive);
    await readTar(file.readable.pipeThrough(new DecompressionStream("gzip")), writer, invalid);
    writer.finish();
    return;
  }
  const stderr = new Response(child.stderr).text();
  const gzipFailure = async (): Promise<BuildpackError | undefined> => {
    const status = await child.status;
    if (status.success) return undefined;
    const text = (await stderr).trim().replaceAll(`${archive}: `, "").replace(/^\S*gzip: /gm, "");
    return invalid(
      `its compressed data is corrupt or truncated (${text || `gzip exited with ${status.code}`})`,
    );
  };
  const state = { ended: false };
  try {
    await readTar(child.stdout, writer, invalid, state);
  } catch (e) {
    // Once its output has ended, gzip has exited: when it failed (corrupt or
    // truncated data), its message is the better explanation. Before that,
    // the failure is ours (an unsafe entry, a bad tar inside): stop gzip.
    if (!state.ended) {
      try {
        child.kill();
      } catch { /* already exited */ }
    }
    const failure = await gzipFailure();
    throw state.ended && failure ? failure : e;
  }
  const failure = await gzipFailure();
  if (failure) throw failure;
  writer.finish();
}

/** `gzip -dc -- archive`, or undefined when the stack has no gzip. */
function spawnGzip(archive: string): Deno.ChildProcess | undefined {
  try {
    return new Deno.Command("gzip", {
      args: ["-dc", "--", archive],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Feed a tar stream to tar-stream and each entry to `writer`. */
async function readTar(
  source: ReadableStream<Uint8Array>,
  writer: TreeWriter,
  invalid: (reason: string) => BuildpackError,
  state: { ended: boolean } = { ended: false },
): Promise<void> {
  const extract = tar.extract({ allowUnknownFormat: true });
  const finished = new Promise<void>((resolve, reject) => {
    extract.on("finish", resolve);
    extract.on("error", reject);
    extract.on("close", () => reject(new Error("the archive ended early")));
  });
  finished.catch(() => {});
  extract.on("entry", (header: tar.Headers, stream: Readable, next: (e?: unknown) => void) => {
    // Destroying the extractor destroys the entry's stream with the error:
    // unheard, that error would be thrown globally.
    stream.on("error", () => {});
    try {
      const work = entry(writer, header, stream, invalid);
      if (work) work.then(() => next(), (e) => extract.destroy(asError(e)));
      else queueMicrotask(() => next());
    } catch (e) {
      extract.destroy(asError(e));
    }
  });

  const reader = source.getReader();
  let bytes = 0;
  let reading = false;
  try {
    for (;;) {
      reading = true;
      const { value, done } = await reader.read();
      reading = false;
      if (done) {
        state.ended = true;
        break;
      }
      bytes += value.length;
      if (!extract.write(value)) {
        await Promise.race([new Promise((resolve) => extract.once("drain", resolve)), finished]);
      }
    }
  } catch (e) {
    extract.destroy();
    reader.cancel().catch(() => {});
    if (e instanceof BuildpackError) throw e;
    // An entry refused before the read failed wins.
    await finished.catch((f) => {
      if (f instanceof BuildpackError) throw f;
    });
    throw invalid(
      reading ? `its compressed data is corrupt or truncated (${message(e)})` : tarProblem(e),
    );
  }
  if (bytes === 0) throw invalid("it contains no data");
  extract.end();
  try {
    await finished;
  } catch (e) {
    throw e instanceof BuildpackError ? e : invalid(tarProblem(e));
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** tar-stream's error messages, said for the staging log. */
function tarProblem(e: unknown): string {
  const text = message(e);
  if (/unexpected end of data|ended early/i.test(text)) {
    return "it ends in the middle of an entry (the file is truncated)";
  }
  if (/invalid tar header/i.test(text)) return "a tar header is corrupt (bad checksum)";
  return text;
}

/** Handle one tar entry; a promise when its data must be waited for. */
function entry(
  writer: TreeWriter,
  header: tar.Headers,
  stream: Readable,
  invalid: (reason: string) => BuildpackError,
): Promise<void> | undefined {
  const name = header.name;
  const size = header.size ?? 0;
  const type = header.type ?? "file";
  const pax = (header as { pax?: Record<string, string> | null }).pax;
  const mtime = pax?.mtime ? Number(pax.mtime) : (header.mtime?.getTime() ?? Date.now()) / 1000;
  const mode = (header.mode ?? 0o644) & 0o777;
  const refused = refusedType(type);
  if (refused) writer.refuse(name, refused);
  switch (type) {
    case "file":
    case "contiguous-file":
      return write(writer.file(name, { mode, mtime }), stream);
    case "directory":
      // tar-stream gives directories no data, whatever their size field says.
      writer.dir(name, { mode, mtime });
      return undefined;
    case "symlink":
      if (!header.linkname) throw invalid(`symbolic link '${name}' has an empty target`);
      writer.symlink(name, header.linkname);
      return skip(stream, size);
    case "link":
      writer.hardlink(name, header.linkname ?? "", invalid);
      return skip(stream, size);
    default:
      throw invalid(`entry '${name}' has an unsupported type`);
  }
}

/** Write an entry's data chunk by chunk, as tar-stream hands it over. */
function write(file: ReturnType<TreeWriter["file"]>, stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    let ended = false;
    stream.on("data", (chunk: Uint8Array) => {
      try {
        file.write(chunk);
      } catch (e) {
        stream.destroy();
        reject(e);
      }
    });
    stream.on("error", (e) => {
      file.abandon();
      reject(e);
    });
    stream.on("close", () => {
      if (!ended) {
        file.abandon();
        reject(new Error("the archive ended early"));
      }
    });
    stream.on("end", () => {
      ended = true;
      try {
        file.close();
        resolve();
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Skip an entry's data (only file-like entries carry any). */
function skip(stream: Readable, size: number): Promise<void> | undefined {
  if (size === 0) return undefined;
  return new Promise((resolve, reject) => {
    let ended = false;
    stream.on("error", reject);
    stream.on("end", () => {
      ended = true;
      resolve();
    });
    stream.on("close", () => {
      if (!ended) reject(new Error("the archive ended early"));
    });
    stream.resume();
  });
}
