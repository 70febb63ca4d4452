/**
 * Keeping staging paths out of the droplet. pip bakes absolute paths into
 * console-script shebangs and into `.pth`/editable-finder files; at runtime
 * the deps dir and the app live elsewhere (`/home/vcap/...`), so those are
 * rewritten to forms that work from any location. Pure string functions plus
 * small directory walkers.
 * @module
 */
import { join, relative } from "../path.ts";

/** The shebang every console script gets: deps/IDX/bin (first on PATH) holds python3. */
export const PORTABLE_SHEBANG = "#!/usr/bin/env python3";

/**
 * Rewrite a script whose shebang (or pip's `'''exec'` trampoline for long
 * paths) runs a python under `pythonDir`. Returns undefined when unchanged.
 */
export function rewriteScript(text: string, pythonDir: string): string | undefined {
  if (!text.startsWith("#!")) return undefined;
  const nl = text.indexOf("\n");
  const first = nl < 0 ? text : text.slice(0, nl);
  if (first.includes(pythonDir) && /python[\d.]*\s*$/.test(first.split(/\s/)[0] || first)) {
    return PORTABLE_SHEBANG + (nl < 0 ? "\n" : text.slice(nl));
  }
  if (first.startsWith("#!/bin/sh") && text.includes(pythonDir)) {
    // pip's trampoline: '''exec' "/long/path/python3" "$0" "$@"
    const out = text.replace(
      /^'''exec' "?[^"\s]*\/python[\d.]*"? "\$0" "\$@"$/m,
      `'''exec' python3 "$0" "$@"`,
    );
    return out === text ? undefined : out;
  }
  return undefined;
}

/**
 * Rewrite one `.pth` file: a line naming a dir under `depsIdxDir` becomes a
 * path relative to site-packages (site.py resolves those); a line naming a
 * dir under the app becomes an import line resolving it from `$HOME`, which
 * is the app dir at runtime (and which the buildpack sets at staging).
 */
export function rewritePth(
  text: string,
  paths: { sitePackages: string; depsIdxDir: string; buildDir: string },
): string | undefined {
  let changed = false;
  const lines = text.split("\n").map((line) => {
    const t = line.trim();
    if (!t || t.startsWith("#") || t.startsWith("import")) return line;
    if (t === paths.buildDir || t.startsWith(paths.buildDir + "/")) {
      changed = true;
      const sub = relative(paths.buildDir, t);
      return `import os, sys; sys.path.append(os.path.join(os.environ.get("HOME", ""), ${
        JSON.stringify(sub)
      }))`;
    }
    if (t.startsWith(paths.depsIdxDir + "/")) {
      changed = true;
      return relative(paths.sitePackages, t);
    }
    return line;
  });
  return changed ? lines.join("\n") : undefined;
}

/**
 * Rewrite string literals holding staging paths inside generated Python
 * (setuptools' `__editable___*_finder.py`) into runtime expressions.
 */
export function rewritePythonLiterals(
  text: string,
  paths: { fileDir: string; depsIdxDir: string; buildDir: string },
): string | undefined {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const literal = new RegExp(
    `(['"])(${esc(paths.buildDir)}|${esc(paths.depsIdxDir)})(/[^'"]*)?\\1`,
    "g",
  );
  const out = text.replace(literal, (_m, _q, base: string, rest: string | undefined) => {
    const tail = (rest ?? "").replace(/^\//, "");
    if (base === paths.buildDir) {
      return `__import__("os").path.join(__import__("os").environ.get("HOME", ""), ${
        JSON.stringify(tail)
      })`;
    }
    const rel = relative(paths.fileDir, join(paths.depsIdxDir, tail));
    return `__import__("os").path.normpath(__import__("os").path.join(__import__("os").path.dirname(__file__), ${
      JSON.stringify(rel)
    }))`;
  });
  return out === text ? undefined : out;
}

async function readIfSmallText(path: string): Promise<string | undefined> {
  const info = await Deno.lstat(path);
  if (!info.isFile || info.size > 1024 * 1024) return undefined;
  const bytes = await Deno.readFile(path);
  if (bytes.includes(0)) return undefined;
  return new TextDecoder().decode(bytes);
}

/** Rewrite shebangs of the scripts in `binDir`; returns the names changed. */
export async function relocateScripts(binDir: string, pythonDir: string): Promise<string[]> {
  const changed: string[] = [];
  for await (const e of Deno.readDir(binDir)) {
    if (!e.isFile) continue;
    const path = join(binDir, e.name);
    const text = await readIfSmallText(path);
    const out = text === undefined ? undefined : rewriteScript(text, pythonDir);
    if (out === undefined) continue;
    await Deno.writeTextFile(path, out);
    changed.push(e.name);
  }
  return changed;
}

/** Rewrite `.pth` and `__editable__*` files of `sitePackages`; returns the names changed. */
export async function relocateSitePackages(
  sitePackages: string,
  paths: { depsIdxDir: string; buildDir: string },
): Promise<string[]> {
  const changed: string[] = [];
  for await (const e of Deno.readDir(sitePackages)) {
    if (!e.isFile) continue;
    const path = join(sitePackages, e.name);
    let out: string | undefined;
    if (e.name.endsWith(".pth")) {
      const text = await readIfSmallText(path);
      if (text !== undefined) out = rewritePth(text, { sitePackages, ...paths });
    } else if (e.name.startsWith("__editable__") && e.name.endsWith(".py")) {
      const text = await readIfSmallText(path);
      if (text !== undefined) {
        out = rewritePythonLiterals(text, { fileDir: sitePackages, ...paths });
      }
    }
    if (out === undefined) continue;
    await Deno.writeTextFile(path, out);
    changed.push(e.name);
  }
  return changed;
}
