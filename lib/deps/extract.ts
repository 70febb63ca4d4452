/**
 * Safe extraction of dependency archives. Every manifest dependency the
 * buildpack extracts is a `.tgz` (the `.sh` installer of miniforge is run,
 * not extracted), so that is the one format read: zip, xz, bzip2 and plain
 * tar are refused as unsupported rather than carried untested.
 *
 * The parts, each in its own module:
 * - `archive_policy.ts`: which entries are refused and why (pure);
 * - `tree_writer.ts`: writing entries under the target, modes and mtimes;
 * - `tgz_reader.ts`: inflating and parsing the tarball as a stream.
 *
 * On failure, some entries may already be on disk: the caller must pass a
 * fresh directory and remove it when this throws. Nothing is written outside
 * that directory in any case.
 * @module
 */
import { archiveInvalid } from "../errors.ts";
import { readTgz, type ReadTgzOptions } from "./tgz_reader.ts";
import { TreeWriter } from "./tree_writer.ts";

/** What an archive's first bytes say it is. */
export type ArchiveFormat = "tgz" | "xz" | "zip" | "bzip2" | "tar" | "empty" | "unknown";

/** The format of an archive from its first bytes (up to 512); pure. */
export function sniffFormat(head: Uint8Array): ArchiveFormat {
  const at = (offset: number, ...bytes: number[]) =>
    head.length >= offset + bytes.length && bytes.every((b, i) => head[offset + i] === b);
  if (head.length === 0) return "empty";
  if (at(0, 0x1f, 0x8b)) return "tgz";
  if (at(0, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return "xz";
  if (at(0, 0x50, 0x4b, 0x03, 0x04) || at(0, 0x50, 0x4b, 0x05, 0x06)) return "zip";
  if (at(0, 0x42, 0x5a, 0x68)) return "bzip2";
  if (at(257, 0x75, 0x73, 0x74, 0x61, 0x72)) return "tar"; // "ustar"
  return "unknown";
}

/** Why a format that is not gzip is refused, for the message. */
const NOT_GZIP: Record<Exclude<ArchiveFormat, "tgz">, string> = {
  xz: "it is xz-compressed; only gzip-compressed tarballs are supported",
  zip: "it is a zip archive; only gzip-compressed tarballs are supported",
  bzip2: "it is bzip2-compressed; only gzip-compressed tarballs are supported",
  tar: "it is an uncompressed tar; only gzip-compressed tarballs are supported",
  empty: "the file is empty",
  unknown: "it is not gzip-compressed",
};

async function readHead(archive: string): Promise<Uint8Array> {
  const head = new Uint8Array(512);
  let n = 0;
  using file = await Deno.open(archive);
  while (n < head.length) {
    const r = await file.read(head.subarray(n));
    if (r === null) break;
    n += r;
  }
  return head.subarray(0, n);
}

/**
 * Extract the `.tgz` `archive` into `target`, created if missing.
 *
 * Pass a fresh directory and remove it if this throws: a failed extraction
 * can leave some entries behind (never outside `target`).
 *
 * @param archive path of a gzip-compressed tarball (recognised by content)
 * @param target directory to extract into
 * @param options.inProcess inflate in this process even when `gzip` exists
 * @throws {BuildpackError} `archiveEntryEscapes` for unsafe entries,
 *   `archiveInvalid` for corrupt or unsupported archives,
 *   `archiveWriteFailed` when writing fails
 */
export async function extractArchive(
  archive: string,
  target: string,
  options: ReadTgzOptions = {},
): Promise<void> {
  const format = sniffFormat(await readHead(archive));
  if (format !== "tgz") throw archiveInvalid(archive, ".tgz", NOT_GZIP[format]);
  const root = target.length > 1 ? target.replace(/\/+$/, "") : target;
  await Deno.mkdir(root, { recursive: true });
  await readTgz(archive, new TreeWriter(archive, root), options);
}
