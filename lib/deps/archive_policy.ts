/**
 * Which archive entries are refused, and why: the path-safety policy of
 * dependency extraction, kept apart from any file system call so that it can
 * be reviewed on its own and tested exhaustively without a disk.
 *
 * An archive may only create things inside the directory it is extracted to.
 * Refused (the whole archive is then unsafe):
 * - absolute entry names (`/etc/passwd`);
 * - names that climb out with `..` (`../x`, `a/../../x`);
 * - any name that goes through a symlink of the archive (`a -> /etc` then
 *   `a/passwd`, but also through links that stay inside: a runtime never
 *   needs that, and refusing it means nothing is ever written through a link);
 * - symlinks with an absolute target, or whose target, resolved through the
 *   archive's other symlinks (all of them, once the archive is read), leaves
 *   the directory or loops;
 * - hard links whose target name is refused by the rules above;
 * - device, FIFO and socket entries (a dependency has no business carrying
 *   them; refused rather than skipped).
 *
 * The policy only sees names: the extractor creates every symlink after all
 * other entries and after {@link ArchivePolicy.finalCheck}, so what is on
 * disk while the archive is read never contains a link.
 * @module
 */

/** Like Linux's MAXSYMLINKS. */
export const MAX_SYMLINK_HOPS = 40;

/** An entry the policy refuses: `reason` completes "its entry 'x' ...". */
export interface Refusal {
  refused: string;
}

/** True when `v` is a {@link Refusal}. */
export function isRefusal(v: unknown): v is Refusal {
  return typeof v === "object" && v !== null && "refused" in v;
}

/** A symlink the archive declared: its entry name and target. */
export interface DeclaredLink {
  entry: string;
  target: string;
}

/** Entry types of a tar archive, as `tar_entries.ts` names them. */
export type EntryType =
  | "file"
  | "contiguous-file"
  | "directory"
  | "symlink"
  | "link"
  | "character-device"
  | "block-device"
  | "fifo"
  | string;

/**
 * Why an entry of this type is refused outright; undefined when the type is
 * allowed (files, directories, symlinks, hard links). Unknown types are not
 * refused here: they are not unsafe but unsupported, the reader's business.
 */
export function refusedType(type: EntryType): string | undefined {
  switch (type) {
    case "character-device":
    case "block-device":
    case "fifo":
    case "socket":
      return `is a ${type.replace("-", " ")}, which archives may not contain`;
    default:
      return undefined;
  }
}

/**
 * Normalise an entry name to a path relative to the target directory (""
 * for the directory itself), or refuse it.
 *
 * @param name the entry's name as stored in the archive
 * @param links the archive's symlinks so far, by normalised path
 */
export function entryPath(
  name: string,
  links: ReadonlyMap<string, DeclaredLink>,
): string | Refusal {
  if (name.startsWith("/")) return { refused: "has an absolute path" };
  const out: string[] = [];
  let prefix = "";
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    // Checked before '..' too: 'link/..' goes through the link on a real
    // file system (the kernel resolves 'link' first).
    if (out.length > 0 && links.size > 0 && links.has(prefix)) {
      return { refused: `goes through the symbolic link '${links.get(prefix)!.entry}'` };
    }
    if (part === "..") {
      if (out.length === 0) return { refused: "climbs out of the target directory with '..'" };
      out.pop();
      prefix = out.join("/");
      continue;
    }
    out.push(part);
    prefix = out.length === 1 ? part : prefix + "/" + part;
  }
  return prefix;
}

/**
 * Why a symlink at `rel` pointing to `target` is unsafe, resolving through
 * `links` (the archive's other symlinks); undefined when it stays inside.
 */
export function symlinkEscape(
  rel: string,
  target: string,
  links: ReadonlyMap<string, DeclaredLink>,
): string | undefined {
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
    const link = links.get(stack.join("/"));
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

/** What a hard link entry turns into. */
export type HardlinkPlan =
  /** A hard link to the regular file `to` (relative path). */
  | { file: string }
  /** A hard link to a symlink is that symlink again. */
  | { symlink: string }
  /** Not unsafe, but not something a valid archive holds. */
  | { invalid: string }
  | Refusal;

/**
 * The names one archive has created so far, and the rules every entry is
 * checked against. Pure: the extractor tells it what it wrote.
 */
export class ArchivePolicy {
  /** Symlinks, created at the very end: normalised path to entry and target. */
  readonly #links = new Map<string, DeclaredLink>();
  /** Regular files written (hard link targets). */
  readonly #files = new Set<string>();

  /** The archive's symlinks so far, by normalised path. */
  get links(): ReadonlyMap<string, DeclaredLink> {
    return this.#links;
  }

  /** {@link entryPath} against this archive's symlinks. */
  path(name: string): string | Refusal {
    return entryPath(name, this.#links);
  }

  /** Whether `rel` is a regular file of this archive. */
  hasFile(rel: string): boolean {
    return this.#files.has(rel);
  }

  /**
   * A regular file (or a directory, `file: false`) now occupies `rel`: an
   * earlier symlink of that name is replaced. Returns whether an earlier
   * regular file was there (the writer removes it first).
   */
  occupy(rel: string, options: { file: boolean }): boolean {
    this.#links.delete(rel);
    const had = this.#files.delete(rel);
    if (options.file) this.#files.add(rel);
    return had;
  }

  /** Declare a symlink; a refusal when it escapes given the links known so far. */
  symlink(rel: string, entry: string, target: string): Refusal | undefined {
    const reason = symlinkEscape(rel, target, this.#links);
    if (reason) return { refused: reason };
    this.#files.delete(rel);
    this.#links.set(rel, { entry, target });
    return undefined;
  }

  /** What the hard link `rel` to the entry name `linkname` becomes. */
  hardlink(rel: string, linkname: string): HardlinkPlan {
    const to = this.path(linkname);
    if (isRefusal(to)) return { refused: `is a hard link to '${linkname}', which ${to.refused}` };
    // Nothing to create: the caller skips it.
    if (rel === "" || to === rel) return { file: to };
    const link = this.#links.get(to);
    if (link) return { symlink: link.target };
    if (!this.#files.has(to)) {
      return { invalid: `points to '${linkname}', which is not a file extracted before it` };
    }
    this.#links.delete(rel);
    this.#files.add(rel);
    return { file: to };
  }

  /**
   * Check every symlink again now that all are known (a link can resolve
   * differently through links that came after it): the first refused one,
   * with its entry name.
   */
  finalCheck(): { entry: string; refused: string } | undefined {
    for (const [rel, { entry, target }] of this.#links) {
      const reason = symlinkEscape(rel, target, this.#links);
      if (reason) return { entry, refused: reason };
    }
    return undefined;
  }
}
