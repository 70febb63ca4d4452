/**
 * The one way the buildpack reads a file of the app. Only regular files are
 * read (a FIFO, socket, device or directory is an error naming it, checked
 * with stat before opening so a FIFO can never block staging), at most
 * `maxBytes` of them, through symlinks only when they stay inside the app,
 * and every OS error becomes an error naming the file and the reason.
 * @module
 */
import { isAbsolute, join, relative, resolve } from "./path.ts";
import {
  appFileNotRegular,
  appFileNotUtf8,
  appFileOutsideApp,
  appFileTooLarge,
  appFileUnreadable,
} from "./errors.ts";
import { osReason } from "./io_errors.ts";

/** Options of {@link readAppFile}. */
export interface AppFileOptions {
  /** Return `undefined` when the file does not exist (else that is an error). */
  optional?: boolean;
  /** Refuse files larger than this (default {@link DEFAULT_MAX_BYTES}). */
  maxBytes?: number;
}

/** Larger than any requirements file or lock file an app plausibly has. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** What a non-regular file is, for the error. Pure. */
export function fileKind(info: Deno.FileInfo): string | undefined {
  if (info.isFile) return undefined;
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a named pipe (FIFO)";
  if (info.isSocket) return "a socket";
  if (info.isCharDevice || info.isBlockDevice) return "a device";
  return "not a regular file";
}

/** Whether `path` is `dir` or below it (both absolute, normalized). Pure. */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1. Pure. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i];
    const extra = c < 0x80
      ? 0
      : c >= 0xc2 && c <= 0xdf
      ? 1
      : c >= 0xe0 && c <= 0xef
      ? 2
      : c >= 0xf0 && c <= 0xf4
      ? 3
      : -1;
    if (extra < 0) return i;
    for (let k = 1; k <= extra; k++) {
      if (i + k >= bytes.length || (bytes[i + k] & 0xc0) !== 0x80) return i;
    }
    i += extra + 1;
  }
  return -1;
}

/** Up to 8 bytes as `bytes ff fe 33`. Pure. */
export function hexBytes(bytes: Uint8Array): string {
  return "bytes " + [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0"))
    .join(" ");
}

function unreadable(file: string, err: unknown): Error {
  return appFileUnreadable(file, osReason(err));
}

/** The real path of `path` inside `appDir`, undefined when absent; errors for leaving the app. */
async function resolveInApp(
  appDir: string,
  relPath: string,
): Promise<string | undefined> {
  const root = resolve(appDir);
  if (!isInside(root, resolve(root, relPath))) throw appFileOutsideApp(relPath, relPath);
  const path = join(root, relPath);
  let link: Deno.FileInfo;
  try {
    link = await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw unreadable(relPath, err);
  }
  if (!link.isSymlink) {
    // A symlinked parent dir may still lead out: compare real paths.
    const [realRoot, real] = await Promise.all([Deno.realPath(root), Deno.realPath(path)])
      .catch((err) => {
        throw unreadable(relPath, err);
      });
    if (!isInside(realRoot, real)) throw appFileOutsideApp(relPath, real);
    return real;
  }
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw appFileNotRegular(relPath, "a symbolic link to a file that does not exist");
    }
    throw unreadable(relPath, err);
  }
  const realRoot = await Deno.realPath(root);
  if (!isInside(realRoot, real)) throw appFileOutsideApp(relPath, real);
  return real;
}

/** Read at most `max + 1` bytes, so that a file growing after stat is still bounded. */
async function readBounded(path: string, max: number): Promise<Uint8Array> {
  using file = await Deno.open(path);
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total <= max) {
    const buf = new Uint8Array(Math.min(64 * 1024, max + 1 - total));
    const n = await file.read(buf);
    if (n === null) break;
    chunks.push(buf.subarray(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Read the app file `relPath` (relative to `appDir`; named so in errors).
 * @returns its bytes; `undefined` when it does not exist and `optional` is set
 * @throws BuildpackError for a missing (not optional), non-regular, too large,
 * unreadable file or one leading outside the app
 */
export async function readAppFile(
  appDir: string,
  relPath: string,
  options: AppFileOptions & { optional: true },
): Promise<Uint8Array | undefined>;
/** Read the app file `relPath`; a missing file is an error. */
export async function readAppFile(
  appDir: string,
  relPath: string,
  options?: AppFileOptions,
): Promise<Uint8Array>;
export async function readAppFile(
  appDir: string,
  relPath: string,
  options: AppFileOptions = {},
): Promise<Uint8Array | undefined> {
  const max = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const real = await resolveInApp(appDir, relPath);
  if (real === undefined) {
    if (options.optional) return undefined;
    throw appFileUnreadable(relPath, "it does not exist");
  }
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(real);
  } catch (err) {
    throw unreadable(relPath, err);
  }
  const kind = fileKind(info);
  if (kind !== undefined) throw appFileNotRegular(relPath, kind);
  if (info.size > max) throw appFileTooLarge(relPath, { size: info.size, maxBytes: max });
  let bytes: Uint8Array;
  try {
    bytes = await readBounded(real, max);
  } catch (err) {
    throw unreadable(relPath, err);
  }
  if (bytes.length > max) throw appFileTooLarge(relPath, { size: bytes.length, maxBytes: max });
  return bytes;
}

/**
 * Decode an app file's bytes as UTF-8 (a BOM is dropped). Pure.
 * @throws BuildpackError naming `file`, the offset and the bytes found
 */
export function decodeAppText(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const at = Math.max(firstInvalidUtf8(bytes), 0);
    throw appFileNotUtf8(file, { offset: at, found: hexBytes(bytes.subarray(at)) });
  }
}

/** {@link readAppFile} decoded as UTF-8 text. */
export async function readAppText(
  appDir: string,
  relPath: string,
  options: AppFileOptions & { optional: true },
): Promise<string | undefined>;
/** {@link readAppFile} decoded as UTF-8 text; a missing file is an error. */
export async function readAppText(
  appDir: string,
  relPath: string,
  options?: AppFileOptions,
): Promise<string>;
export async function readAppText(
  appDir: string,
  relPath: string,
  options: AppFileOptions = {},
): Promise<string | undefined> {
  const bytes = await readAppFile(appDir, relPath, options);
  return bytes === undefined ? undefined : decodeAppText(bytes, relPath);
}

/**
 * Whether the app path `relPath` leads outside `appDir`, by its name (`..`,
 * absolute) or through a symlink on the way. A path that does not exist is
 * judged by its name and the part of it that exists.
 */
export async function leavesApp(appDir: string, relPath: string): Promise<boolean> {
  const root = resolve(appDir);
  let path = resolve(root, relPath);
  if (!isInside(root, path)) return true;
  const realRoot = await Deno.realPath(root);
  // The longest existing prefix decides where the symlinks on the way lead.
  for (;;) {
    try {
      return !isInside(realRoot, await Deno.realPath(path));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound) || path === root) return false;
      path = resolve(path, "..");
    }
  }
}
