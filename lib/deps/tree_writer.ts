/**
 * Writing an archive's entries under a target directory, each checked by
 * {@link ArchivePolicy} first.
 *
 * Kept: the permission bits of files and directories exactly (umask not
 * applied; setuid, setgid and sticky bits are dropped), symlinks, hard
 * links, and the mtimes of regular files and directories (Python's `.pyc`
 * files are checked against their sources' mtimes). Directories get their
 * mode and mtime at the very end, so a read-only directory entry never blocks
 * writing its contents; symlinks are created at the end too, after the
 * policy's final check, so nothing is ever written through a link. Owners
 * and symlinks' own mtimes are not kept.
 *
 * File contents are written chunk by chunk as they arrive (never buffered
 * whole), so memory stays bounded by the reader's chunk size.
 * @module
 */
import { archiveEntryEscapes, archiveWriteFailed, BuildpackError } from "../errors.ts";
import { describeIoError } from "../io_errors.ts";
import { ArchivePolicy, isRefusal } from "./archive_policy.ts";

/** Mode and mtime (seconds) of an entry. */
export interface Meta {
  mode: number;
  mtime: number;
}

/** A regular file being written, chunk by chunk. */
export interface OpenFile {
  /** Append a chunk. */
  write(chunk: Uint8Array): void;
  /** Set mode and mtime and close (after the last chunk). */
  close(): void;
  /** Close without finishing (the extraction failed). */
  abandon(): void;
}

/** The {@link OpenFile} of an entry written nowhere (the target dir itself). */
const DISCARD: OpenFile = { write() {}, close() {}, abandon() {} };

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function depth(rel: string): number {
  let n = 0;
  for (let i = rel.indexOf("/"); i >= 0; i = rel.indexOf("/", i + 1)) n++;
  return n;
}

/**
 * One extraction's writes. File system calls are synchronous on purpose:
 * measured here, they cost a third less CPU than their async forms (each
 * async call is a hand-off to a thread pool), and keep entries strictly in
 * archive order.
 */
export class TreeWriter {
  readonly #archive: string;
  readonly #root: string;
  readonly #policy = new ArchivePolicy();
  /** Relative paths of directories that exist ("" is the root). */
  readonly #dirs = new Set<string>([""]);
  /** Mode and mtime of directory entries, applied at the end. */
  readonly #dirMeta = new Map<string, Meta>();
  /** The file being written, if any (closed by {@link abort}). */
  #open: OpenFile | undefined;
  /** The process umask, which file creation applies. */
  readonly #umask = Deno.umask();

  /**
   * @param archive the archive's path, for messages
   * @param root the target directory (it exists)
   */
  constructor(archive: string, root: string) {
    this.#archive = archive;
    this.#root = root;
  }

  #refuse(entry: string, reason: string): BuildpackError {
    return archiveEntryEscapes(this.#archive, entry, reason);
  }

  #failed(entry: string, e: unknown): BuildpackError {
    if (e instanceof BuildpackError) return e;
    // A full disk, a read-only or forbidden target: what was being done, and where.
    const name = this.#archive.slice(this.#archive.lastIndexOf("/") + 1);
    return describeIoError(e, { doing: `extracting ${name}`, path: this.#root }) ??
      archiveWriteFailed(this.#archive, entry, message(e));
  }

  /** The entry's path relative to the root ("" for the root itself), or throw the refusal. */
  path(entry: string): string {
    const rel = this.#policy.path(entry);
    if (isRefusal(rel)) throw this.#refuse(entry, rel.refused);
    return rel;
  }

  /** Throw the policy's refusal of an entry of this type, if any. */
  refuse(entry: string, reason: string): never {
    throw this.#refuse(entry, reason);
  }

  /** Make sure directory `rel` exists, parents included. */
  #ensureDir(entry: string, rel: string): void {
    if (this.#dirs.has(rel)) return;
    try {
      Deno.mkdirSync(this.#root + "/" + rel, { recursive: true });
    } catch (e) {
      throw this.#failed(entry, e);
    }
    for (
      let d = rel;
      d !== "" && !this.#dirs.has(d);
      d = d.slice(0, Math.max(d.lastIndexOf("/"), 0))
    ) {
      this.#dirs.add(d);
    }
  }

  /** Prepare `rel` for a new non-directory: its parent exists, nothing is in the way. */
  #claim(entry: string, rel: string, replaced: boolean): void {
    if (this.#dirs.has(rel)) {
      throw archiveWriteFailed(this.#archive, entry, `'${rel}' is both a directory and a file`);
    }
    const slash = rel.lastIndexOf("/");
    if (slash > 0) this.#ensureDir(entry, rel.slice(0, slash));
    if (replaced) {
      try {
        Deno.removeSync(this.#root + "/" + rel);
      } catch (e) {
        throw this.#failed(entry, e);
      }
    }
  }

  /** A directory entry. */
  dir(entry: string, meta: Meta): void {
    const rel = this.path(entry);
    if (rel === "") return;
    if (this.#policy.hasFile(rel)) {
      throw archiveWriteFailed(this.#archive, entry, `'${rel}' is both a file and a directory`);
    }
    this.#policy.occupy(rel, { file: false });
    this.#ensureDir(entry, rel);
    this.#dirMeta.set(rel, meta);
  }

  /** A regular file: created now, its chunks written as they come. */
  file(entry: string, meta: Meta): OpenFile {
    const rel = this.path(entry);
    if (rel === "") return DISCARD;
    const replaced = !this.#dirs.has(rel) && this.#policy.occupy(rel, { file: true });
    this.#claim(entry, rel, replaced);
    const path = this.#root + "/" + rel;
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, { write: true, createNew: true, mode: meta.mode });
    } catch (e) {
      throw this.#failed(entry, e);
    }
    const fail = (e: unknown) => {
      this.#open = undefined;
      try {
        file.close();
      } catch { /* closed */ }
      return this.#failed(entry, e);
    };
    const open: OpenFile = {
      write: (chunk) => {
        try {
          for (let off = 0; off < chunk.length;) off += file.writeSync(chunk.subarray(off));
        } catch (e) {
          throw fail(e);
        }
      },
      close: () => {
        try {
          file.utimeSync(meta.mtime, meta.mtime);
          // The umask applied at creation; the archive's bits are kept exactly.
          if ((meta.mode & this.#umask) !== 0) Deno.chmodSync(path, meta.mode);
          this.#open = undefined;
          file.close();
        } catch (e) {
          throw fail(e);
        }
      },
      abandon: () => {
        this.#open = undefined;
        try {
          file.close();
        } catch { /* closed */ }
      },
    };
    this.#open = open;
    return open;
  }

  /** Close the file being written, if any: the extraction failed. */
  abort(): void {
    this.#open?.abandon();
  }

  /** A symlink: checked now against the links known so far, created at the end. */
  symlink(entry: string, target: string): void {
    const rel = this.path(entry);
    if (rel === "") return;
    if (this.#dirs.has(rel)) {
      throw archiveWriteFailed(this.#archive, entry, `'${rel}' is both a directory and a symlink`);
    }
    const wasFile = this.#policy.hasFile(rel);
    const refusal = this.#policy.symlink(rel, entry, target);
    if (refusal) throw this.#refuse(entry, refusal.refused);
    this.#claim(entry, rel, wasFile);
  }

  /** A hard link to `linkname`, the entry name of a regular file extracted before. */
  hardlink(entry: string, linkname: string, invalid: (reason: string) => Error): void {
    const rel = this.path(entry);
    const wasFile = rel !== "" && this.#policy.hasFile(rel);
    const plan = this.#policy.hardlink(rel, linkname);
    if (isRefusal(plan)) throw this.#refuse(entry, plan.refused);
    if ("invalid" in plan) throw invalid(`hard link '${entry}' ${plan.invalid}`);
    if (rel === "") return;
    if ("symlink" in plan) return this.symlink(entry, plan.symlink);
    if (plan.file === rel) return;
    this.#claim(entry, rel, wasFile);
    try {
      Deno.linkSync(this.#root + "/" + plan.file, this.#root + "/" + rel);
    } catch (e) {
      throw this.#failed(entry, e);
    }
  }

  /** Create the symlinks (after the policy's final check), then give directories their mode and mtime. */
  finish(): void {
    const refused = this.#policy.finalCheck();
    if (refused) throw this.#refuse(refused.entry, refused.refused);
    for (const [rel, { entry, target }] of this.#policy.links) {
      try {
        Deno.symlinkSync(target, this.#root + "/" + rel);
      } catch (e) {
        throw this.#failed(entry, e);
      }
    }
    // Deepest first: a parent that loses its x bit must not block its children.
    const dirs = [...this.#dirMeta].sort(([a], [b]) => depth(b) - depth(a));
    for (const [rel, { mode, mtime }] of dirs) {
      const path = this.#root + "/" + rel;
      try {
        Deno.utimeSync(path, mtime, mtime);
        Deno.chmodSync(path, mode);
      } catch (e) {
        throw this.#failed(rel, e);
      }
    }
  }
}
