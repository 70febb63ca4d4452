/**
 * The builder's directory layout inside a scratch root, and the names the
 * platform derives from buildpack keys.
 *
 * | real path | here |
 * |---|---|
 * | `/tmp/app` | `<root>/tmp/app` |
 * | `/tmp/cache` | `<root>/tmp/cache` |
 * | `/tmp/buildpacks/<md5(key)>` | `<root>/tmp/buildpacks/<md5(key)>` |
 * | `/tmp/contentsNNNN/{deps,profile.d}` | `<root>/tmp/contentsNNNN/{deps,profile.d}` |
 * | `/home/vcap` (cwd, `$HOME`) | `<root>/home/vcap` |
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { xxhash64Hex } from "./xxhash64.ts";

/** Paths of one staging. */
export interface Layout {
  /** Scratch root (the emulated container's `/`). */
  root: string;
  /** `<root>/tmp`. */
  tmp: string;
  /** Build dir, `<root>/tmp/app`. */
  buildDir: string;
  /** App cache, `<root>/tmp/cache`. */
  cacheDir: string;
  /** Buildpack copies, `<root>/tmp/buildpacks`. */
  buildpacksDir: string;
  /** `<root>/tmp/contentsNNNN`: becomes the droplet. */
  contentsDir: string;
  /** `<contents>/deps`. */
  depsDir: string;
  /** `<contents>/profile.d`. */
  profileDir: string;
  /** `<root>/home/vcap`: cwd and `$HOME` of every buildpack script. */
  home: string;
}

/**
 * `IDX(i)`: zero-padded to the digit count of `count` (1-9 buildpacks: `0`..,
 * 10-99: `00`..).
 */
export function depsIndex(i: number, count: number): string {
  return String(i).padStart(String(Math.max(count, 1)).length, "0");
}

/**
 * Cache dir name of a non-final buildpack: 16 hex digits of XXH64 of its key.
 * (Go's `%x` does not zero-pad; the contract fixes 16 digits, so we pad.)
 */
export function supplyCacheName(key: string): string {
  return xxhash64Hex(key);
}

/** Directory name of a buildpack under `/tmp/buildpacks`: md5 hex of its key. */
export function buildpackDirName(key: string): string {
  return createHash("md5").update(key).digest("hex");
}

function randomDigits(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => String(b % 10)).join("");
}

/**
 * Create the layout in `root` (which must exist): every directory except the
 * build dir's contents, deps dirs and cache subdirs (see the builder).
 */
export async function createLayout(root: string): Promise<Layout> {
  const tmp = join(root, "tmp");
  await Deno.mkdir(tmp, { recursive: true });
  let contentsDir = "";
  for (;;) {
    contentsDir = join(tmp, `contents${randomDigits(9)}`);
    try {
      await Deno.mkdir(contentsDir);
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
  }
  const layout: Layout = {
    root,
    tmp,
    buildDir: join(tmp, "app"),
    cacheDir: join(tmp, "cache"),
    buildpacksDir: join(tmp, "buildpacks"),
    contentsDir,
    depsDir: join(contentsDir, "deps"),
    profileDir: join(contentsDir, "profile.d"),
    home: join(root, "home", "vcap"),
  };
  for (const dir of [layout.cacheDir, layout.buildpacksDir, layout.depsDir, layout.profileDir]) {
    await Deno.mkdir(dir, { recursive: true });
  }
  await Deno.mkdir(join(layout.home, "app"), { recursive: true });
  return layout;
}

/**
 * The builder's cache rule: delete every entry of the cache dir except
 * `final/` and the given supply cache names. Returns the names deleted.
 */
export async function pruneCache(cacheDir: string, keep: string[]): Promise<string[]> {
  const wanted = new Set(["final", ...keep]);
  const removed: string[] = [];
  for await (const entry of Deno.readDir(cacheDir)) {
    if (wanted.has(entry.name)) continue;
    await Deno.remove(join(cacheDir, entry.name), { recursive: true });
    removed.push(entry.name);
  }
  return removed.sort();
}
