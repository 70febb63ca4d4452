/**
 * Reading and rewriting the `DT_RUNPATH` / `DT_RPATH` string of an ELF file,
 * in place, without patchelf.
 *
 * Only ELF64 little-endian files are understood (every x86_64 / aarch64 Linux
 * binary). The string is found through the program headers: `PT_DYNAMIC`
 * gives the dynamic section, `DT_STRTAB` its string table address, which a
 * `PT_LOAD` segment maps back to a file offset. A new value is written over
 * the old one and NUL-padded, so it may not be longer than the old value.
 *
 * {@link readRunpaths} and {@link planRunpathRewrite} are pure;
 * {@link rewriteRunpathFile} applies a plan to a file on disk.
 * @module
 */

/** A problem with an ELF file or a requested rewrite. */
export class ElfError extends Error {
  /** @param message what is wrong, naming the file when known */
  constructor(message: string) {
    super(message);
    this.name = "ElfError";
  }
}

/** Which dynamic tag holds a search path. */
export type RunpathTag = "RUNPATH" | "RPATH";

/** One `DT_RUNPATH` or `DT_RPATH` entry of a file. */
export interface RunpathEntry {
  /** `RUNPATH` (searched after LD_LIBRARY_PATH) or the older `RPATH`. */
  tag: RunpathTag;
  /** The colon-separated search path. */
  value: string;
  /** File offset of the string's first byte. */
  offset: number;
  /** Length in bytes, without the terminating NUL. */
  length: number;
  /** File offset of the 16-byte dynamic-section entry that names it. */
  dynOffset: number;
}

/** Bytes to write at a file offset. */
export interface BytePatch {
  /** File offset. */
  offset: number;
  /** Bytes to write there. */
  bytes: Uint8Array;
}

/** A planned change of one entry. */
export interface RunpathChange {
  /** The entry as it is. */
  entry: RunpathEntry;
  /** Its new value. */
  value: string;
  /** What to write to make the change. */
  patch: BytePatch;
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NULL = 0n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;

/** True when the bytes start with the ELF magic `\x7fELF`. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c &&
    bytes[3] === 0x46;
}

interface Segment {
  type: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
}

function toNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`${what} is out of range`);
  return Number(value);
}

function segments(bytes: Uint8Array, view: DataView): Segment[] {
  const phoff = view.getBigUint64(0x20, true);
  const phentsize = view.getUint16(0x36, true);
  const phnum = view.getUint16(0x38, true);
  if (phnum === 0) return []; // relocatable objects (.o) have no program headers
  if (phentsize < 56) throw new ElfError(`program header entries of ${phentsize} bytes`);
  const start = toNumber(phoff, "program header offset");
  if (start + phnum * phentsize > bytes.length) {
    throw new ElfError("program headers extend past the end of the file");
  }
  const result: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = start + i * phentsize;
    result.push({
      type: view.getUint32(at, true),
      offset: view.getBigUint64(at + 8, true),
      vaddr: view.getBigUint64(at + 16, true),
      filesz: view.getBigUint64(at + 32, true),
    });
  }
  return result;
}

function addressToOffset(loads: Segment[], address: bigint): bigint {
  for (const s of loads) {
    if (address >= s.vaddr && address < s.vaddr + s.filesz) return address - s.vaddr + s.offset;
  }
  throw new ElfError(`address 0x${address.toString(16)} is in no PT_LOAD segment`);
}

/**
 * Every `DT_RUNPATH` and `DT_RPATH` entry of an ELF64 little-endian file, in
 * dynamic-section order. Empty for a file without a dynamic section (static
 * executables) or without those tags.
 * @throws ElfError when the bytes are not ELF64 little-endian or are malformed
 */
export function readRunpaths(bytes: Uint8Array): RunpathEntry[] {
  if (!isElf(bytes)) throw new ElfError("not an ELF file");
  if (bytes.length < 64) throw new ElfError("truncated ELF header");
  if (bytes[4] !== 2) throw new ElfError("not a 64-bit ELF file (only ELF64 is supported)");
  if (bytes[5] !== 1) throw new ElfError("not a little-endian ELF file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segs = segments(bytes, view);
  const dynamic = segs.find((s) => s.type === PT_DYNAMIC);
  if (!dynamic) return [];
  const loads = segs.filter((s) => s.type === PT_LOAD);

  const dynStart = toNumber(dynamic.offset, "PT_DYNAMIC offset");
  const dynEnd = dynStart + toNumber(dynamic.filesz, "PT_DYNAMIC size");
  if (dynEnd > bytes.length) throw new ElfError("PT_DYNAMIC extends past the end of the file");
  let strtab: bigint | undefined;
  let strsz: bigint | undefined;
  const paths: { tag: RunpathTag; index: bigint; at: number }[] = [];
  for (let at = dynStart; at + 16 <= dynEnd; at += 16) {
    const tag = view.getBigInt64(at, true);
    const value = view.getBigUint64(at + 8, true);
    if (tag === DT_NULL) break;
    if (tag === DT_STRTAB) strtab = value;
    else if (tag === DT_STRSZ) strsz = value;
    else if (tag === DT_RUNPATH) paths.push({ tag: "RUNPATH", index: value, at });
    else if (tag === DT_RPATH) paths.push({ tag: "RPATH", index: value, at });
  }
  if (paths.length === 0) return [];
  if (strtab === undefined) throw new ElfError("dynamic section has no DT_STRTAB");

  const tableOffset = toNumber(addressToOffset(loads, strtab), "DT_STRTAB offset");
  const tableEnd = strsz === undefined
    ? bytes.length
    : Math.min(bytes.length, tableOffset + toNumber(strsz, "DT_STRSZ"));
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return paths.map(({ tag, index, at }) => {
    const offset = tableOffset + toNumber(index, `DT_${tag} index`);
    if (offset >= tableEnd) throw new ElfError(`DT_${tag} points past the string table`);
    let end = offset;
    while (end < tableEnd && bytes[end] !== 0) end++;
    if (end >= tableEnd) throw new ElfError(`DT_${tag} string is not NUL-terminated`);
    return {
      tag,
      value: decoder.decode(bytes.subarray(offset, end)),
      offset,
      length: end - offset,
      dynOffset: at,
    };
  });
}

/**
 * Plan the removal of every `DT_RUNPATH` and `DT_RPATH` entry, as
 * `patchelf --remove-rpath` does: the later dynamic entries move up over
 * them, the freed slots at the end become `DT_NULL`, and the old strings are
 * overwritten with NULs (so the build path is gone from the file too). The
 * official Cloud Foundry python tarballs have no search path at all and rely
 * on `LD_LIBRARY_PATH`; this makes a pyenv build behave like them.
 * Nothing is modified: apply the result with {@link applyPatches}.
 * @returns the patches, empty when the file has no search path
 * @throws ElfError when the bytes are not ELF64 little-endian or are malformed
 */
export function planRunpathRemoval(bytes: Uint8Array): BytePatch[] {
  const entries = readRunpaths(bytes);
  if (entries.length === 0) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dynStart = Math.min(...entries.map((e) => e.dynOffset));
  const removed = new Set(entries.map((e) => e.dynOffset));
  // Entries from the first removed one up to and including DT_NULL.
  const kept: Uint8Array[] = [];
  let at = dynStart;
  for (; at + 16 <= bytes.length; at += 16) {
    const tag = view.getBigInt64(at, true);
    if (!removed.has(at)) kept.push(bytes.subarray(at, at + 16));
    if (tag === DT_NULL) break;
  }
  if (at + 16 > bytes.length) throw new ElfError("dynamic section has no DT_NULL");
  const region = new Uint8Array(at + 16 - dynStart); // zero-filled: trailing DT_NULLs
  kept.forEach((entry, i) => region.set(entry, i * 16));
  const patches: BytePatch[] = [{ offset: dynStart, bytes: region }];
  for (const e of entries) patches.push({ offset: e.offset, bytes: new Uint8Array(e.length) });
  return patches;
}

/**
 * Plan new values for the file's search paths. `rewrite` gets each entry and
 * returns its new value, or `undefined` to leave it alone. Nothing is
 * modified: apply the result with {@link applyPatches} or let
 * {@link rewriteRunpathFile} write it.
 * @throws ElfError when a new value is longer than the old one
 */
export function planRunpathRewrite(
  bytes: Uint8Array,
  rewrite: (value: string, tag: RunpathTag) => string | undefined,
): RunpathChange[] {
  const encoder = new TextEncoder();
  const changes: RunpathChange[] = [];
  for (const entry of readRunpaths(bytes)) {
    const value = rewrite(entry.value, entry.tag);
    if (value === undefined || value === entry.value) continue;
    const encoded = encoder.encode(value);
    if (encoded.includes(0)) throw new ElfError(`new ${entry.tag} contains a NUL byte`);
    if (encoded.length > entry.length) {
      throw new ElfError(
        `new ${entry.tag} '${value}' (${encoded.length} bytes) is longer than the old ` +
          `'${entry.value}' (${entry.length} bytes); an in-place rewrite cannot grow it`,
      );
    }
    const patch = new Uint8Array(entry.length); // zero-filled: NUL padding
    patch.set(encoded);
    changes.push({ entry, value, patch: { offset: entry.offset, bytes: patch } });
  }
  return changes;
}

/** A copy of `bytes` with the patches written into it. */
export function applyPatches(bytes: Uint8Array, patches: BytePatch[]): Uint8Array {
  const copy = bytes.slice();
  for (const p of patches) {
    if (p.offset < 0 || p.offset + p.bytes.length > copy.length) {
      throw new ElfError(`patch at ${p.offset} falls outside the file`);
    }
    copy.set(p.bytes, p.offset);
  }
  return copy;
}

/**
 * Rewrite the search paths of the ELF file at `path` in place (only the
 * changed bytes are written; the file keeps its inode and mode).
 * @returns the changes made; empty when there was nothing to change
 * @throws ElfError naming the file when it cannot be parsed or a value would grow
 */
export async function rewriteRunpathFile(
  path: string,
  rewrite: (value: string, tag: RunpathTag) => string | undefined,
): Promise<RunpathChange[]> {
  const bytes = await Deno.readFile(path);
  let changes: RunpathChange[];
  try {
    changes = planRunpathRewrite(bytes, rewrite);
  } catch (e) {
    if (e instanceof ElfError) throw new ElfError(`${path}: ${e.message}`);
    throw e;
  }
  if (changes.length === 0) return changes;
  const file = await Deno.open(path, { write: true });
  try {
    for (const { patch } of changes) {
      await file.seek(patch.offset, Deno.SeekMode.Start);
      let written = 0;
      while (written < patch.bytes.length) {
        written += await file.write(patch.bytes.subarray(written));
      }
    }
  } finally {
    file.close();
  }
  return changes;
}

/**
 * Remove every search path of the ELF file at `path` in place (see
 * {@link planRunpathRemoval}).
 * @returns the entries removed; empty when there were none or the file is not ELF
 * @throws ElfError naming the file when it cannot be parsed
 */
export async function removeRunpathFile(path: string): Promise<RunpathEntry[]> {
  const bytes = await Deno.readFile(path);
  if (!isElf(bytes)) return [];
  let entries: RunpathEntry[];
  let patches: BytePatch[];
  try {
    entries = readRunpaths(bytes);
    patches = planRunpathRemoval(bytes);
  } catch (e) {
    if (e instanceof ElfError) throw new ElfError(`${path}: ${e.message}`);
    throw e;
  }
  if (patches.length === 0) return [];
  await Deno.writeFile(path, applyPatches(bytes, patches));
  return entries;
}

/** The search paths of the ELF file at `path`; empty for a non-ELF file. */
export async function readRunpathsFile(path: string): Promise<RunpathEntry[]> {
  const bytes = await Deno.readFile(path);
  if (!isElf(bytes)) return [];
  try {
    return readRunpaths(bytes);
  } catch (e) {
    if (e instanceof ElfError) throw new ElfError(`${path}: ${e.message}`);
    throw e;
  }
}
