/**
 * Reading a gzipped tarball entry by entry into a {@link TreeWriter}.
 *
 * Inflation runs in a `gzip -dc` child process when the stack has `gzip` (as
 * GNU `tar xzf` does), so that it overlaps with parsing and file creation on
 * this thread; `tar-stream` parses (see tar_entries.ts) and every piece of a
 * file goes to the writer as it comes, with backpressure, so memory stays
 * bounded whatever the archive. gzip's output is read into a few reused
 * buffers (reused_chunks.ts), each read into again once tar-stream has let go
 * of its bytes. Without `gzip`, `DecompressionStream` inflates in-process
 * (fresh buffers: that path is the fallback, not the one to make lean).
 * @module
 */
import { archiveInvalid, BuildpackError } from "../errors.ts";
import { refusedType } from "./archive_policy.ts";
import { type DataSink, readTarEntries, type TarEntry, TarFormatError } from "./tar_entries.ts";
import { ReusedChunks } from "./reused_chunks.ts";
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
    const inflated = file.readable.pipeThrough(new DecompressionStream("gzip"));
    try {
      await readTarEntries(inflated, (entry) => handle(writer, entry));
    } catch (e) {
      writer.abort();
      throw asBuildpackError(e, invalid);
    }
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
  const output = new ReusedChunks(child.stdout);
  try {
    await readTarEntries(output, (entry) => handle(writer, entry), {
      released: (offset) => output.release(offset),
    });
  } catch (e) {
    writer.abort();
    // Once its output has ended, gzip has exited: when it failed (corrupt or
    // truncated data), its message is the better explanation. Before that,
    // the failure is ours (an unsafe entry, a bad tar inside): stop gzip.
    if (!output.ended) {
      try {
        child.kill();
      } catch { /* already exited */ }
    }
    const failure = await gzipFailure();
    if (output.ended && failure) throw failure;
    throw asBuildpackError(e, invalid);
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

function asBuildpackError(
  e: unknown,
  invalid: (reason: string) => BuildpackError,
): BuildpackError {
  if (e instanceof BuildpackError) return e;
  if (e instanceof TarFormatError) return invalid(e.message);
  return invalid(`its compressed data is corrupt or truncated (${message(e)})`);
}

/** One parsed entry, handed to the writer; where a file's data goes. */
function handle(writer: TreeWriter, entry: TarEntry): DataSink | undefined {
  const { name, type } = entry;
  const refused = refusedType(type);
  if (refused) writer.refuse(name, refused);
  const meta = { mode: entry.mode & 0o777, mtime: entry.mtime };
  switch (type) {
    case "file": {
      const file = writer.file(name, meta);
      return { write: (chunk) => file.write(chunk), end: () => file.close() };
    }
    case "directory":
      writer.dir(name, meta);
      return undefined;
    case "symlink":
      if (entry.linkname === "") {
        throw new TarFormatError(`symbolic link '${name}' has an empty target`);
      }
      writer.symlink(name, entry.linkname);
      return undefined;
    case "link":
      writer.hardlink(name, entry.linkname, (reason) => new TarFormatError(reason));
      return undefined;
    default:
      throw new TarFormatError(`entry '${name}' has an unsupported type`);
  }
}
