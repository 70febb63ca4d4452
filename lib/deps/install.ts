/**
 * Installing manifest dependencies: from a cached buildpack's
 * `dependencies/` dir, from the app cache, or downloaded (and then kept in
 * the app cache for the next staging). Every file is sha256-verified before
 * it is extracted, and extraction goes to a scratch dir renamed into place.
 * @module
 */
import { basename, fromFileUrl, join } from "../path.ts";
import { sha256Hex } from "../digest.ts";
import type { Dependency } from "../manifest.ts";
import type { Logger } from "../log.ts";
import { redactUrls } from "../redact.ts";
import { downloadTo, sha256File } from "./download.ts";
import { BuildpackError, downloadFailed, sha256Mismatch } from "../errors.ts";
import { pathExists } from "../path_exists.ts";
import { findBundledCopy } from "./bundled_copy.ts";
import { describeIoError } from "../io_errors.ts";
import type { WaitingChild } from "./extract_child.ts";

/** Where {@link DependencyInstaller} looks for and keeps files. */
export interface InstallerOptions {
  /** The buildpack root (a cached buildpack has `<root>/dependencies/`). */
  root: string;
  /** The app cache dir; downloads are kept in `<cacheDir>/dependencies/`. */
  cacheDir: string;
  /** The log. */
  log: Logger;
  /** Environment for proxies (default: process env). */
  env?: Record<string, string | undefined>;
}

function uriBasename(uri: string): string {
  return basename(new URL(uri).pathname);
}

/** The app cache's copy of a download: `<cache>/dependencies/<sha256 of uri>/<basename>`. */
export async function appCachePath(cacheDir: string, dep: Dependency): Promise<string> {
  return join(cacheDir, "dependencies", await sha256Hex(dep.uri), uriBasename(dep.uri));
}

/** Fetches, verifies and extracts dependencies; remembers which app-cache entries were used. */
export class DependencyInstaller {
  #opts: InstallerOptions;
  /** URIs of the dependencies whose app-cache copies stay. */
  #used = new Set<string>();
  /** An extract child started ahead of its archive ({@link prestartExtract}). */
  #waiting: Promise<WaitingChild | undefined> | undefined;

  /** @param options where to look and log */
  constructor(options: InstallerOptions) {
    this.#opts = options;
  }

  /**
   * Start the extract child now (when the buildpack has its executable), so
   * that its start-up overlaps the staging's first steps; the next
   * {@link install} hands it its archive. For a cold app cache, where the
   * runtime will be extracted. {@link close} lets an unused one go.
   */
  prestartExtract(): void {
    const executable = join(this.#opts.root, "bin", "buildpack");
    this.#waiting = import("./extract_child.ts").then(async ({ WaitingChild }) =>
      (await pathExists(executable)) ? WaitingChild.start(executable) : undefined
    );
  }

  /** Let a prestarted extract child that was not used exit. */
  async close(): Promise<void> {
    const waiting = await this.#waiting;
    this.#waiting = undefined;
    await waiting?.close();
  }

  /** Keep a dependency's app-cache copy at the next prune without reading it. */
  keep(dep: Dependency): void {
    this.#used.add(dep.uri);
  }

  /** Whether this (cached) buildpack carries the dependency's file. */
  async isBundled(dep: Dependency): Promise<boolean> {
    return (await findBundledCopy(this.#opts.root, dep)) !== undefined;
  }

  /** A verified local copy of the dependency's file (logs `Copy [...]` or `Download [...]`). */
  async fetch(dep: Dependency): Promise<string> {
    const { path, verify } = await this.#locate(dep);
    await verify();
    return path;
  }

  /**
   * The dependency's local file, and its sha256 check: already done for
   * downloads and app-cache copies, still to run for a cached buildpack's
   * copy or a `file://` source, so that extraction can run beside it.
   */
  async #locate(dep: Dependency): Promise<{ path: string; verify: () => Promise<void> }> {
    const { log, root, cacheDir } = this.#opts;
    const bundled = await findBundledCopy(root, dep);
    if (bundled) {
      log.info(`Copy [${bundled}]`);
      return { path: bundled, verify: () => verify(dep, bundled) };
    }
    const cached = await appCachePath(cacheDir, dep);
    this.keep(dep);
    if (await pathExists(cached)) {
      const actual = await sha256File(cached);
      if (actual === dep.sha256.toLowerCase()) {
        log.info(`Copy [${cached}]`);
        return { path: cached, verify: () => Promise.resolve() };
      }
      log.debug(`cached ${cached} has sha256 ${actual}, downloading again`);
    }
    log.info(`Download [${redactUrls(dep.uri)}]`);
    await Deno.mkdir(join(cached, ".."), { recursive: true });
    const partial = `${cached}.partial`;
    if (dep.uri.startsWith("file://")) {
      const source = fromFileUrl(dep.uri);
      return { path: source, verify: () => this.#verifyLocal(dep, { source, partial, cached }) };
    }
    await downloadTo(dep.uri, partial, {
      name: dep.name,
      sha256: dep.sha256,
      env: this.#opts.env,
      onRetry: (reason, attempt) => log.warning(`Download failed (${reason}); retry ${attempt}`),
    });
    await Deno.rename(partial, cached);
    return { path: cached, verify: () => Promise.resolve() };
  }

  /**
   * A `file://` dependency is verified where it is and extracted from there
   * (streaming it through JS into the app cache first cost 0.1 s and 20 MiB
   * of memory for the runtime); once verified, the app cache still gets its
   * copy for the stagings that follow (a later buildpack version may no
   * longer ship the file): a hard link when the two are on one filesystem
   * (the runtime's 23 MB are then not written again while it is being
   * extracted), else a copy made by the kernel. The app cache's file is
   * sha256-checked before any later use, so a link's source changed in place
   * is noticed.
   */
  async #verifyLocal(
    dep: Dependency,
    files: { source: string; partial: string; cached: string },
  ): Promise<void> {
    const { source, partial, cached } = files;
    try {
      await verify(dep, source);
    } catch (err) {
      if (err instanceof BuildpackError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw downloadFailed(dep.name, redactUrls(dep.uri), { reason, attempts: 1 });
    }
    try {
      await Deno.link(source, partial).catch(() => Deno.copyFile(source, partial));
      await Deno.rename(partial, cached);
    } catch (err) {
      // The app cache is an optimisation: staging goes on from the source.
      await Deno.remove(partial).catch(() => {});
      this.#opts.log.debug(`could not keep ${source} in the app cache: ${err}`);
    }
  }

  /**
   * Fetch and extract into `target`, which must not exist; nothing is left
   * there on failure. The sha256 check of a local file runs beside the
   * extraction (into a scratch dir, under the archive policy), which is
   * stopped when the check fails; only a verified tree is moved to `target`.
   * The check starts once the extraction has (its first use loads
   * `node:crypto`, ~25 ms that would otherwise delay the extract child's job).
   */
  async install(
    dep: Dependency,
    target: string,
    options: {
      /** Use the extract child {@link prestartExtract} started (default); false leaves it to another install. */
      prestarted?: boolean;
    } = {},
  ): Promise<void> {
    const { path: file, verify } = await this.#locate(dep);
    const stop = new AbortController();
    let checked: Promise<{ err: unknown } | undefined> | undefined;
    // A handler at once: a failed check must not be an unhandled rejection meanwhile.
    const check = () =>
      checked ??= verify().then(() => undefined, (err: unknown) => {
        stop.abort();
        return { err };
      });
    const scratch = `${target}.partial-${crypto.randomUUID().slice(0, 8)}`;
    let extractError: { err: unknown } | undefined;
    try {
      await this.#extract(file, scratch, {
        signal: stop.signal,
        prestarted: options.prestarted ?? true,
        started: check,
      });
    } catch (err) {
      extractError = { err };
    }
    // The sha256 check's failure comes first: an extraction it stopped failed because of it.
    const failed = (await check()) ?? extractError;
    if (failed === undefined) {
      try {
        await Deno.rename(scratch, target);
        return;
      } catch (err) {
        await Deno.remove(scratch, { recursive: true }).catch(() => {});
        throw err;
      }
    }
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
    // A full disk while extracting says so, rather than "truncated archive" or a bug.
    throw describeIoError(failed.err, {
      doing: `installing ${dep.name} ${dep.version}`,
      path: target,
    }) ??
      failed.err;
  }

  /**
   * Extract in a child process of the buildpack's executable when there is
   * one (its memory peak is not supply's), else here (a buildpack tree
   * without `bin/buildpack`, as in unit tests).
   */
  async #extract(
    archive: string,
    target: string,
    options: {
      signal: AbortSignal;
      prestarted: boolean;
      /** Called once the extraction has begun (or is about to, in this process). */
      started: () => void;
    },
  ): Promise<void> {
    const { signal, started } = options;
    if (options.prestarted) {
      const waiting = await this.#waiting;
      this.#waiting = undefined;
      if (waiting && await waiting.run(archive, target, { signal, started })) return;
    }
    const executable = join(this.#opts.root, "bin", "buildpack");
    if (await pathExists(executable)) {
      const { extractInChild } = await import("./extract_child.ts");
      const extracting = extractInChild(executable, archive, target, { signal });
      started();
      if (await extracting) return;
      this.#opts.log.debug(`could not start ${executable} extract: extracting in this process`);
    }
    started();
    // Loaded on use: a restage that reuses the cached runtime never loads the tar reader.
    const { extractArchive } = await import("./extract.ts");
    await extractArchive(archive, target);
  }

  /** Remove app-cache downloads this staging did not use. */
  async pruneCache(): Promise<void> {
    const dir = join(this.#opts.cacheDir, "dependencies");
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return;
    }
    const used = new Set(await Promise.all([...this.#used].map((uri) => sha256Hex(uri))));
    for (const e of entries) {
      if (!used.has(e.name)) {
        this.#opts.log.debug(`pruning unused cached download ${e.name}`);
        await Deno.remove(join(dir, e.name), { recursive: true });
      }
    }
  }
}

async function verify(dep: Dependency, path: string): Promise<void> {
  const actual = await sha256File(path);
  if (actual !== dep.sha256.toLowerCase()) throw sha256Mismatch(dep.name, dep.sha256, actual);
}
