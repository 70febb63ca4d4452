/**
 * Streaming, safe extraction of dependency archives: `.tgz`/`.tar.gz`,
 * `.tar.xz`, plain `.tar` and `.zip`.
 *
 * The format is recognised by the file's first bytes and, when those say
 * nothing (old v7 tars), by its name. Tarballs are read as a stream, inflated
 * (`DecompressionStream("gzip")`, or an `xz -dc` child process) and parsed
 * with `tar-stream`; every entry goes to disk as it arrives, so memory stays
 * bounded whatever the archive's size. Zips are read through their central
 * directory (the only place Unix modes and symlinks are recorded) and each
 * member is inflated with `fflate`, chunk by chunk.
 *
 * What is kept: the permission bits of files and directories exactly (umask
 * not applied; setuid, setgid and sticky bits are dropped), symlinks, hard
 * links, and the mtimes of regular files and directories (Python's `.pyc`
 * files are checked against their sources' mtimes). Directories get their
 * mode and mtime at the very end, so a read-only directory entry never blocks
 * writing its contents. Symlinks are created at the end too (see below);
 * their own mtimes are not kept. Owners are not kept. Entries for the target
 * directory itself (`./`) are skipped: the caller owns that directory.
 *
 * What is refused, with {@link archiveEntryEscapes} (the archive is unsafe):
 * absolute paths; `..` climbing out of the target; any entry whose path goes
 * through a symlink of the archive (like `a -> /etc` then `a/passwd`, but
 * also through links that stay inside: a legitimate runtime never needs it);
 * symlinks with absolute targets or whose target, resolved through the
 * archive's other symlinks, leaves the target; hard links to anything but a
 * regular file extracted before them; and device, FIFO and socket entries
 * (refused rather than skipped: a dependency has no business carrying them).
 * Because every symlink is created only after all other entries are written,
 * and checked against the complete set of symlinks, nothing is ever written
 * through a link on disk, whatever the order of the entries.
 *
 * Corrupt or truncated archives fail with {@link archiveInvalid}; disk errors
 * with {@link archiveWriteFailed}.
 *
 * On failure, some entries may already be on disk: the caller must pass a
 * fresh directory and remove it when this throws. Nothing is written outside
 * that directory in any case.
 * @module
 */

// @deno-types="@types/tar-stream"
import tar from "tar-stream";
import type { Readable } from "node:stream";
import {
  archiveEntryEscapes,
  archiveInvalid,
  archiveToolMissing,
  archiveWriteFailed,
  BuildpackError,
} from "../errors.ts";

type Format = "tgz" | "txz" | "tar" | "zip";

/** How each format is named in error messages. */
const LABEL: Record<Format, string> = { tgz: ".tgz", txz: ".tar.xz", tar: ".tar", zip: ".zip" };

/** Regular files up to this size are buffered and written with one call. */
const SMALL_FILE = 1 << 20;
/** Like Linux's MAXSYMLINKS. */
const MAX_SYMLINK_HOPS = 40;
/** Zip: bytes read per call, largest central directory accepted. */
const ZIP_CHUNK = 1 << 20;
const ZIP_MAX_DIRECTORY = 256 << 20;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/**
 * Extract `archive` into `target`, created if missing.
 *
 * Pass a fresh directory and remove it if this throws: a failed extraction
 * can leave some entries behind (never outside `target`).
 *
 * @param archive path of a `.tgz`/`.tar.gz`, `.tar.xz`, `.tar` or `.zip` file
 *   (recognised by content first, then by name)
 * @param target directory to extract into
 * @param options.stripComponents drop this many leading path components from
 *   every entry name (and hard link target), like GNU tar's
 *   `--strip-components` (`.` counts as a component); entries with no more
 *   components are skipped
 * @throws {BuildpackError} {@link archiveEntryEscapes} for unsafe entries,
 *   {@link archiveInvalid} for corrupt or unsupported archives,
 *   {@link archiveToolMissing} when `xz` is needed but missing,
 *   {@link archiveWriteFailed} when writing fails
 */
export async function extractArchive(
  archive: string,
  target: string,
  options: { stripComponents?: number } = {},
): Promise<void> {
  const strip = options.stripComponents ?? 0;
  if (!Number.isInteger(strip) || strip < 0) {
    throw new RangeError(`stripComponents must be a non-negative integer, got ${strip}`);
  }
  const format = await detectFormat(archive);
  const root = target.length > 1 ? target.replace(/\/+$/, "") : target;
  await Deno.mkdir(root, { recursive: true });
  const x = new Extraction(archive, LABEL[format], root, strip);
  try {
    if (format === "zip") await extractZip(x);
    else if (format === "txz") await extractXz(x);
    else {
      const file = await Deno.open(archive);
      const stream = format === "tgz"
        ? file.readable.pipeThrough(new DecompressionStream("gzip"))
        : file.readable;
      await extractTar(x, stream);
    }
    x.finish();
  } catch (e) {
    // Let a file being streamed see the end of its data before the caller
    // removes the directory.
    await x.current?.catch(() => {});
    throw e;
  }
}

async function detectFormat(archive: string): Promise<Format> {
  const head = new Uint8Array(512);
  let n = 0;
  {
    using file = await Deno.open(archive);
    while (n < head.length) {
      const r = await file.read(head.subarray(n));
      if (r === null) break;
      n += r;
    }
  }
  const at = (offset: number, ...bytes: number[]) =>
    n >= offset + bytes.length && bytes.every((b, i) => head[offset + i] === b);
  if (at(0, 0x1f, 0x8b)) return "tgz";
  if (at(0, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return "txz";
  if (at(0, 0x50, 0x4b, 0x03, 0x04) || at(0, 0x50, 0x4b, 0x05, 0x06)) return "zip";
  if (at(257, 0x75, 0x73, 0x74, 0x61, 0x72)) return "tar"; // "ustar"
  const name = archive.toLowerCase();
  let format: Format | undefined;
  if (/\.(tgz|tar\.gz)$/.test(name)) format = "tgz";
  else if (/\.(txz|tar\.xz)$/.test(name)) format = "txz";
  else if (name.endsWith(".tar")) format = "tar";
  else if (name.endsWith(".zip")) format = "zip";
  if (at(0, 0x42, 0x5a, 0x68)) {
    throw archiveInvalid(archive, format ? LABEL[format] : "", "bzip2 archives are not supported");
  }
  if (format === undefined) {
    throw archiveInvalid(
      archive,
      ".tgz, .tar.xz, .tar or .zip",
      n === 0 ? "the file is empty" : "its content is in none of these formats",
    );
  }
  if (n === 0) throw archiveInvalid(archive, LABEL[format], "the file is empty");
  return format;
}

// ---------------------------------------------------------------------------
// Writing entries

/** Why a name is unsafe. */
type Unsafe = { unsafe: string };

/** Mode and mtime (seconds) of an entry. */
type Meta = { mode: number; mtime: number };

/**
 * One extraction: what is on disk so far and the rules every format obeys.
 *
 * File system calls are synchronous on purpose: measured here, one
 * `writeFileSync` + `utimeSync` per file costs a third less CPU than their
 * async forms (each async call is a hand-off to a thread pool), and keeps
 * entries strictly in archive order.
 */
class Extraction {
  readonly archive: string;
  readonly label: string;
  readonly root: string;
  readonly strip: number;
  /** Relative paths of directories that exist ("" is the root). */
  #dirs = new Set<string>([""]);
  /** Mode and mtime of directory entries, applied at the end. */
  #dirMeta = new Map<string, Meta>();
  /** Relative paths of regular files written. */
  #files = new Set<string>();
  /** Symlinks to create at the end: relative path to entry name and target. */
  #symlinks = new Map<string, { entry: string; target: string }>();
  /** Handler of the current entry, when it is asynchronous. */
  current: Promise<void> | undefined;

  constructor(archive: string, label: string, root: string, strip: number) {
    this.archive = archive;
    this.label = label;
    this.root = root;
    this.strip = strip;
  }

  unsafe(entry: string, reason: string): BuildpackError {
    return archiveEntryEscapes(this.archive, entry, reason);
  }

  invalid(reason: string): BuildpackError {
    return archiveInvalid(this.archive, this.label, reason);
  }

  writeFailed(entry: string, e: unknown): BuildpackError {
    if (e instanceof BuildpackError) return e;
    return archiveWriteFailed(this.archive, entry, message(e));
  }

  /**
   * Normalise an entry name to a path relative to the root: `null` when
   * stripped away, {@link Unsafe} when it leaves the root or goes through one
   * of the archive's symlinks.
   */
  normalize(name: string): string | null | Unsafe {
    if (name.startsWith("/")) return { unsafe: "has an absolute path" };
    const parts = name.split("/");
    let skip = this.strip;
    const out: string[] = [];
    let prefix = "";
    const links = this.#symlinks.size > 0;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (part === "") continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      if (part === ".") continue;
      if (links && out.length > 0 && this.#symlinks.has(prefix)) {
        return { unsafe: `goes through the symbolic link '${this.#symlinks.get(prefix)!.entry}'` };
      }
      if (part === "..") {
        if (out.length === 0) return { unsafe: "climbs out of the target directory with '..'" };
        out.pop();
        prefix = out.join("/");
        continue;
      }
      out.push(part);
      prefix = out.length === 1 ? part : prefix + "/" + part;
    }
    if (skip > 0) return null;
    return prefix;
  }

  /** {@link normalize}, throwing on unsafe names. */
  path(entry: string): string | null {
    const rel = this.normalize(entry);
    if (rel !== null && typeof rel === "object") throw this.unsafe(entry, rel.unsafe);
    return rel;
  }

  /** Make sure directory `rel` exists, parents included. */
  #ensureDir(entry: string, rel: string): void {
    if (this.#dirs.has(rel)) return;
    try {
      Deno.mkdirSync(this.root + "/" + rel, { recursive: true });
    } catch (e) {
      throw this.writeFailed(entry, e);
    }
    for (
      let d = rel;
      d !== "" && !this.#dirs.has(d);
      d = d.slice(0, Math.max(d.lastIndexOf("/"), 0))
    ) {
      this.#dirs.add(d);
    }
  }

  /**
   * Prepare `rel` for a new non-directory: its parent exists, an earlier
   * symlink of that name is forgotten, an earlier file is removed.
   */
  #claim(entry: string, rel: string): void {
    if (this.#dirs.has(rel)) {
      throw archiveWriteFailed(this.archive, entry, `'${rel}' is both a directory and a file`);
    }
    this.#symlinks.delete(rel);
    const slash = rel.lastIndexOf("/");
    if (slash > 0) this.#ensureDir(entry, rel.slice(0, slash));
    if (this.#files.delete(rel)) {
      try {
        Deno.removeSync(this.root + "/" + rel);
      } catch (e) {
        throw this.writeFailed(entry, e);
      }
    }
  }

  /** A directory entry. */
  dir(entry: string, rel: string, meta: Meta): void {
    if (rel === "") return;
    if (this.#files.has(rel)) {
      throw archiveWriteFailed(this.archive, entry, `'${rel}' is both a file and a directory`);
    }
    this.#symlinks.delete(rel);
    this.#ensureDir(entry, rel);
    this.#dirMeta.set(rel, meta);
  }

  /** A regular file whose whole content is at hand. */
  file(entry: string, rel: string, meta: Meta, data: Uint8Array): void {
    if (rel === "") return;
    this.#claim(entry, rel);
    const path = this.root + "/" + rel;
    try {
      // With a mode, Deno sets it with fchmod after creating: umask not applied.
      Deno.writeFileSync(path, data, { mode: meta.mode });
      this.#files.add(rel);
      Deno.utimeSync(path, meta.mtime, meta.mtime);
    } catch (e) {
      throw this.writeFailed(entry, e);
    }
  }

  /** A regular file written chunk by chunk as it arrives (large ones). */
  async fileStream(
    entry: string,
    rel: string,
    meta: Meta,
    chunks: AsyncIterable<Uint8Array>,
  ): Promise<void> {
    if (rel === "") {
      for await (const _ of chunks) { /* skipped */ }
      return;
    }
    this.#claim(entry, rel);
    const path = this.root + "/" + rel;
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, { write: true, create: true, truncate: true, mode: meta.mode });
    } catch (e) {
      throw this.writeFailed(entry, e);
    }
    this.#files.add(rel);
    try {
      for await (const chunk of chunks) {
        try {
          for (let off = 0; off < chunk.length;) off += file.writeSync(chunk.subarray(off));
        } catch (e) {
          throw this.writeFailed(entry, e);
        }
      }
      try {
        file.utimeSync(meta.mtime, meta.mtime);
        Deno.chmodSync(path, meta.mode);
      } catch (e) {
        throw this.writeFailed(entry, e);
      }
    } finally {
      file.close();
    }
  }

  /** A symlink: checked now against the links known so far, created at the end. */
  symlink(entry: string, rel: string, target: string): void {
    if (rel === "") return;
    if (target === "") throw this.invalid(`symbolic link '${entry}' has an empty target`);
    const reason = this.#escapes(rel, target);
    if (reason) throw this.unsafe(entry, reason);
    if (this.#dirs.has(rel)) {
      throw archiveWriteFailed(this.archive, entry, `'${rel}' is both a directory and a symlink`);
    }
    const slash = rel.lastIndexOf("/");
    if (slash > 0) this.#ensureDir(entry, rel.slice(0, slash));
    this.#symlinks.set(rel, { entry, target });
  }

  /** A hard link to `linkname`, the entry name of a regular file extracted before. */
  hardlink(entry: string, rel: string, linkname: string): void {
    const to = this.normalize(linkname);
    if (to !== null && typeof to === "object") {
      throw this.unsafe(entry, `is a hard link to '${linkname}', which ${to.unsafe}`);
    }
    if (rel === "" || to === rel) return;
    const link = to === null ? undefined : this.#symlinks.get(to);
    if (link) {
      // A hard link to a symlink is that symlink again.
      this.symlink(entry, rel, link.target);
      return;
    }
    if (to === null || !this.#files.has(to)) {
      throw this.invalid(
        `hard link '${entry}' points to '${linkname}', which is not a file extracted before it`,
      );
    }
    this.#claim(entry, rel);
    try {
      Deno.linkSync(this.root + "/" + to, this.root + "/" + rel);
    } catch (e) {
      throw this.writeFailed(entry, e);
    }
    this.#files.add(rel);
  }

  /**
   * Why the symlink at `rel` pointing to `target` is unsafe, resolving
   * through the archive's symlinks known so far; undefined when safe.
   */
  #escapes(rel: string, target: string): string | undefined {
    if (target.startsWith("/")) return `is a symbolic link to the absolute path '${target}'`;
    const outside = `is a symbolic link to '${target}', outside the target directory`;
    const stack = rel.split("/");
    stack.pop();
    let queue = target.split("/");
    let hops = 0;
    for (let i = 0; i < queue.length;) {
      const part = queue[i++];
      if (part === "" || part === ".") continue;
      if (part === "..") {
        if (stack.length === 0) return outside;
        stack.pop();
        continue;
      }
      stack.push(part);
      const link = this.#symlinks.get(stack.join("/"));
      if (link === undefined) continue;
      if (++hops > MAX_SYMLINK_HOPS) {
        return `is a symbolic link to '${target}', which loops through other symbolic links`;
      }
      if (link.target.startsWith("/")) return outside;
      stack.pop();
      queue = [...link.target.split("/"), ...queue.slice(i)];
      i = 0;
    }
    return undefined;
  }

  /** Create the symlinks, then give directories their mode and mtime. */
  finish(): void {
    // Checked again now that every symlink is known: a link can resolve
    // differently through links that came after it.
    for (const [rel, { entry, target }] of this.#symlinks) {
      const reason = this.#escapes(rel, target);
      if (reason) throw this.unsafe(entry, reason);
    }
    for (const [rel, { entry, target }] of this.#symlinks) {
      const path = this.root + "/" + rel;
      try {
        if (this.#files.has(rel)) Deno.removeSync(path);
        Deno.symlinkSync(target, path);
      } catch (e) {
        throw this.writeFailed(entry, e);
      }
    }
    // Deepest first: a parent that loses its x bit must not block its children.
    const dirs = [...this.#dirMeta].sort(([a], [b]) => depth(b) - depth(a));
    for (const [rel, { mode, mtime }] of dirs) {
      const path = this.root + "/" + rel;
      try {
        Deno.utimeSync(path, mtime, mtime);
        Deno.chmodSync(path, mode);
      } catch (e) {
        throw this.writeFailed(rel, e);
      }
    }
  }
}

function depth(rel: string): number {
  let n = 0;
  for (let i = rel.indexOf("/"); i >= 0; i = rel.indexOf("/", i + 1)) n++;
  return n;
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------
// Tar

/** Feed a tar stream to tar-stream and each entry to `x`. */
async function extractTar(
  x: Extraction,
  source: ReadableStream<Uint8Array>,
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
    const fail = (e: unknown) => {
      x.current = undefined;
      extract.destroy(e instanceof Error ? e : new Error(String(e)));
    };
    const done = () => {
      x.current = undefined;
      next();
    };
    try {
      const work = tarEntry(x, header, stream);
      if (work) {
        x.current = work;
        work.then(done, fail);
      } else queueMicrotask(done);
    } catch (e) {
      fail(e);
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
    throw x.invalid(
      reading && x.label !== ".tar"
        ? `its compressed data is corrupt or truncated (${message(e)})`
        : tarProblem(e),
    );
  }
  if (bytes === 0) throw x.invalid("it contains no data");
  extract.end();
  try {
    await finished;
  } catch (e) {
    throw e instanceof BuildpackError ? e : x.invalid(tarProblem(e));
  }
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

/** Handle one tar entry; a promise when it must be waited for. */
function tarEntry(
  x: Extraction,
  header: tar.Headers,
  stream: Readable,
): Promise<void> | undefined {
  const name = header.name;
  const size = header.size ?? 0;
  const type = header.type;
  const rel = x.path(name);
  const pax = (header as { pax?: Record<string, string> | null }).pax;
  const mtime = pax?.mtime ? Number(pax.mtime) : (header.mtime?.getTime() ?? Date.now()) / 1000;
  const mode = (header.mode ?? 0o644) & 0o777;
  switch (type) {
    case "file":
    case "contiguous-file": {
      if (rel === null) return skip(stream, size);
      if (size > SMALL_FILE) return x.fileStream(name, rel, { mode, mtime }, stream);
      return new Promise((resolve, reject) => {
        const chunks: Uint8Array[] = [];
        let got = 0;
        let ended = false;
        stream.on("data", (c: Uint8Array) => {
          chunks.push(c);
          got += c.length;
        });
        stream.on("error", reject);
        stream.on("close", () => {
          if (!ended) reject(new Error("the archive ended early"));
        });
        stream.on("end", () => {
          ended = true;
          try {
            x.file(name, rel, { mode, mtime }, got === 0 ? new Uint8Array(0) : concat(chunks, got));
            resolve();
          } catch (e) {
            reject(e);
          }
        });
      });
    }
    case "directory":
      // tar-stream gives directories no data, whatever their size field says.
      if (rel !== null) x.dir(name, rel, { mode, mtime });
      return undefined;
    case "symlink":
      if (rel !== null) x.symlink(name, rel, header.linkname ?? "");
      return skip(stream, size);
    case "link":
      if (rel === null) return skip(stream, size);
      x.hardlink(name, rel, header.linkname ?? "");
      return skip(stream, size);
    case "character-device":
    case "block-device":
    case "fifo":
      throw x.unsafe(name, `is a ${type.replace("-", " ")}, which archives may not contain`);
    default:
      throw x.invalid(`entry '${name}' has an unsupported type`);
  }
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

/** `.tar.xz`: `xz -dc` does the decompression in its own process. */
async function extractXz(x: Extraction): Promise<void> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("xz", {
      args: ["-dc", "--", x.archive],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw archiveToolMissing(x.archive, "xz", "xz-utils");
    throw e;
  }
  const stderr = new Response(child.stderr).text();
  const xzFailure = async (): Promise<BuildpackError | undefined> => {
    const status = await child.status;
    if (status.success) return undefined;
    const text = (await stderr).trim().replaceAll(`${x.archive}: `, "").replace(/^\S*xz: /gm, "");
    return x.invalid(
      text ? text[0].toLowerCase() + text.slice(1) : `xz exited with code ${status.code}`,
    );
  };
  const state = { ended: false };
  try {
    await extractTar(x, child.stdout, state);
  } catch (e) {
    // Once its output has ended, xz has exited: when it failed (corrupt or
    // truncated .xz), its message is the better explanation. Before that,
    // the failure is ours (an unsafe entry, a bad tar inside): stop xz.
    if (!state.ended) {
      try {
        child.kill();
      } catch { /* already exited */ }
    }
    const failure = await xzFailure();
    throw state.ended && failure ? failure : e;
  }
  const failure = await xzFailure();
  if (failure) throw failure;
}

// ---------------------------------------------------------------------------
// Zip

interface ZipEntry {
  name: string;
  madeBy: number;
  flags: number;
  method: number;
  dosTime: number;
  dosDate: number;
  crc: number;
  compressedSize: number;
  size: number;
  externalAttributes: number;
  offset: number;
  mtime?: number;
}

async function extractZip(x: Extraction): Promise<void> {
  using file = await Deno.open(x.archive);
  const size = (await file.stat()).size;
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readAt(x, file, size - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tail, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw x.invalid("it has no central directory (the file may be truncated)");
  let count = u16(tail, eocd + 10);
  let directorySize = u32(tail, eocd + 12);
  let directoryOffset = u32(tail, eocd + 16);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locatorAt = size - tailLength + eocd - 20;
    const locator = locatorAt >= 0 ? await readAt(x, file, locatorAt, 20) : undefined;
    if (!locator || u32(locator, 0) !== 0x07064b50) throw x.invalid("its Zip64 locator is missing");
    const record = await readAt(x, file, u64(locator, 8), 56);
    if (u32(record, 0) !== 0x06064b50) throw x.invalid("its Zip64 end record is missing");
    count = u64(record, 32);
    directorySize = u64(record, 40);
    directoryOffset = u64(record, 48);
  }
  if (directoryOffset + directorySize > size) {
    throw x.invalid("its central directory lies beyond the end of the file (truncated?)");
  }
  if (directorySize > ZIP_MAX_DIRECTORY) throw x.invalid("its central directory is too large");
  const directory = await readAt(x, file, directoryOffset, directorySize);
  const entries = parseZipDirectory(x, directory);
  if (entries.length !== count) {
    throw x.invalid(`its central directory lists ${entries.length} entries instead of ${count}`);
  }
  for (const e of entries) await zipEntry(x, file, size, e);
}

function parseZipDirectory(x: Extraction, cd: Uint8Array): ZipEntry[] {
  const utf8 = new TextDecoder();
  const entries: ZipEntry[] = [];
  let p = 0;
  while (p + 46 <= cd.length && u32(cd, p) === 0x02014b50) {
    const nameLength = u16(cd, p + 28);
    const extraLength = u16(cd, p + 30);
    const commentLength = u16(cd, p + 32);
    const end = p + 46 + nameLength + extraLength + commentLength;
    if (end > cd.length) break;
    const e: ZipEntry = {
      name: utf8.decode(cd.subarray(p + 46, p + 46 + nameLength)),
      madeBy: u16(cd, p + 4),
      flags: u16(cd, p + 8),
      method: u16(cd, p + 10),
      dosTime: u16(cd, p + 12),
      dosDate: u16(cd, p + 14),
      crc: u32(cd, p + 16),
      compressedSize: u32(cd, p + 20),
      size: u32(cd, p + 24),
      externalAttributes: u32(cd, p + 38),
      offset: u32(cd, p + 42),
    };
    // Extra fields: Zip64 sizes/offset, extended timestamp (Unix mtime).
    for (let q = p + 46 + nameLength; q + 4 <= p + 46 + nameLength + extraLength;) {
      const id = u16(cd, q);
      const length = u16(cd, q + 2);
      let r = q + 4;
      const fieldEnd = r + length;
      if (id === 0x0001) {
        if (e.size === 0xffffffff && r + 8 <= fieldEnd) {
          e.size = u64(cd, r);
          r += 8;
        }
        if (e.compressedSize === 0xffffffff && r + 8 <= fieldEnd) {
          e.compressedSize = u64(cd, r);
          r += 8;
        }
        if (e.offset === 0xffffffff && r + 8 <= fieldEnd) e.offset = u64(cd, r);
      } else if (id === 0x5455 && length >= 5 && (cd[r] & 1)) {
        e.mtime = new DataView(cd.buffer, cd.byteOffset + r + 1, 4).getInt32(0, true);
      }
      q = fieldEnd;
    }
    entries.push(e);
    p = end;
  }
  if (entries.length === 0 && cd.length > 0) throw x.invalid("its central directory is corrupt");
  return entries;
}

async function zipEntry(x: Extraction, file: Deno.FsFile, size: number, e: ZipEntry) {
  const rel = x.path(e.name);
  const unixMode = e.madeBy >> 8 === 3 ? e.externalAttributes >>> 16 : 0;
  const type = unixMode & S_IFMT;
  const isDir = e.name.endsWith("/") || type === S_IFDIR;
  const mtime = e.mtime ?? dosTime(e.dosDate, e.dosTime);
  const mode = (unixMode & 0o777) || (isDir ? 0o755 : 0o644);
  if (!isDir && type !== 0 && type !== S_IFREG && type !== S_IFLNK) {
    throw x.unsafe(e.name, "is a device, FIFO or socket, which archives may not contain");
  }
  if (rel === null) return;
  if (isDir) return x.dir(e.name, rel, { mode, mtime });
  if (e.flags & 1) throw x.invalid(`entry '${e.name}' is encrypted`);
  if (e.method !== 0 && e.method !== 8) {
    throw x.invalid(`entry '${e.name}' uses unsupported compression method ${e.method}`);
  }
  const local = await readAt(x, file, e.offset, 30);
  if (u32(local, 0) !== 0x04034b50) throw x.invalid(`entry '${e.name}' has no local header`);
  const start = e.offset + 30 + u16(local, 26) + u16(local, 28);
  if (start + e.compressedSize > size) {
    throw x.invalid(`entry '${e.name}' lies beyond the end of the file (truncated?)`);
  }
  const data = zipData(x, file, e, start);
  if (type === S_IFLNK) {
    if (e.size > 4096) throw x.invalid(`symbolic link '${e.name}' has a too long target`);
    const chunks: Uint8Array[] = [];
    for await (const c of data) chunks.push(c);
    return x.symlink(e.name, rel, new TextDecoder().decode(concat(chunks, e.size)));
  }
  if (e.size > SMALL_FILE) return x.fileStream(e.name, rel, { mode, mtime }, data);
  const chunks: Uint8Array[] = [];
  for await (const c of data) chunks.push(c);
  x.file(e.name, rel, { mode, mtime }, concat(chunks, e.size));
}

/** A zip member's uncompressed content, checked against its size and CRC-32. */
async function* zipData(
  x: Extraction,
  file: Deno.FsFile,
  e: ZipEntry,
  start: number,
): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = [];
  // fflate is loaded only for zips: tarballs, the usual case, never need it.
  const inflate = e.method === 8
    ? new (await import("fflate")).Inflate((chunk) => void out.push(chunk))
    : undefined;
  let crc = 0xffffffff;
  let total = 0;
  let position = start;
  let remaining = e.compressedSize;
  do {
    const n = Math.min(remaining, ZIP_CHUNK);
    const input = await readAt(x, file, position, n);
    position += n;
    remaining -= n;
    if (inflate) {
      try {
        inflate.push(input, remaining === 0);
      } catch (err) {
        throw x.invalid(`entry '${e.name}' is corrupt: ${message(err)}`);
      }
    } else out.push(input);
    const ready = out;
    out = [];
    for (const chunk of ready) {
      total += chunk.length;
      if (total > e.size) throw x.invalid(`entry '${e.name}' is larger than recorded`);
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } while (remaining > 0);
  if (total !== e.size) throw x.invalid(`entry '${e.name}' is shorter than recorded`);
  if (((crc ^ 0xffffffff) >>> 0) !== e.crc) {
    throw x.invalid(`entry '${e.name}' fails its CRC-32 check`);
  }
}

async function readAt(
  x: Extraction,
  file: Deno.FsFile,
  position: number,
  length: number,
): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  await file.seek(position, Deno.SeekMode.Start);
  for (let n = 0; n < length;) {
    const r = await file.read(buf.subarray(n));
    if (r === null) throw x.invalid("it ends early (the file is truncated)");
    n += r;
  }
  return buf;
}

function u16(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}

function u32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

function u64(b: Uint8Array, i: number): number {
  return u32(b, i) + u32(b, i + 4) * 0x100000000;
}

/** MS-DOS date and time fields, in local time, to seconds since the epoch. */
function dosTime(date: number, time: number): number {
  const d = new Date(
    (date >> 9) + 1980,
    ((date >> 5) & 15) - 1,
    date & 31,
    time >> 11,
    (time >> 5) & 63,
    (time & 31) * 2,
  );
  return d.getTime() / 1000;
}

let CRC_TABLE: Uint32Array | undefined;

function crc32(data: Uint8Array, crc: number): number {
  let table = CRC_TABLE;
  if (!table) {
    table = CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return crc >>> 0;
}
