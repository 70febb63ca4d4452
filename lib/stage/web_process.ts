/**
 * A default `web` process, proposed only when it is certain: gunicorn is
 * installed and the app has exactly one WSGI module (`wsgi.py` at the root or
 * in one top-level package, as `django-admin startproject` makes it) that
 * defines `application` or `app`. Otherwise none: a Procfile or
 * `cf push -c` decides. Pure, apart from {@link findWsgiModules}.
 * @module
 */
import { join } from "../path.ts";
import { byCodeUnit } from "../compare.ts";

/** A WSGI module found in the app. */
export interface WsgiModule {
  /** Dotted module name (`wsgi`, `mysite.wsgi`). */
  module: string;
  /** Path relative to the app (`mysite/wsgi.py`). */
  path: string;
  /** The module's source. */
  source: string;
}

/** The decision, with the reason shown in the log. */
export interface WebProcess {
  /** The command, when certain. */
  command?: string;
  /** Why (or why not). */
  reason: string;
}

/** The WSGI callable a module defines at top level, if unambiguous. */
export function wsgiCallable(source: string): string | undefined {
  for (const name of ["application", "app"]) {
    if (new RegExp(`^${name}\\s*(:[^=]*)?=`, "m").test(source)) return name;
  }
  return undefined;
}

/** Decide the default web process. */
export function defaultWebProcess(
  facts: { gunicorn: boolean; procfile: boolean; modules: WsgiModule[] },
): WebProcess {
  if (facts.procfile) return { reason: "the app's Procfile decides the start command" };
  if (!facts.gunicorn) return { reason: "gunicorn is not installed" };
  if (facts.modules.length === 0) return { reason: "no wsgi.py found" };
  if (facts.modules.length > 1) {
    return {
      reason: `several WSGI modules found (${facts.modules.map((m) => m.path).join(", ")})`,
    };
  }
  const [m] = facts.modules;
  const callable = wsgiCallable(m.source);
  if (!callable) return { reason: `${m.path} defines neither application nor app` };
  return {
    command: `gunicorn ${m.module}:${callable}`,
    reason: `gunicorn is installed and ${m.path} is the only WSGI module`,
  };
}

/** `wsgi.py` at the app root and in top-level packages. */
export function findWsgiModules(appDir: string): WsgiModule[] {
  const found: WsgiModule[] = [];
  const read = (rel: string) => {
    try {
      return Deno.readTextFileSync(join(appDir, rel));
    } catch {
      return undefined;
    }
  };
  const root = read("wsgi.py");
  if (root !== undefined) found.push({ module: "wsgi", path: "wsgi.py", source: root });
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(appDir)].sort((a, b) => byCodeUnit(a.name, b.name));
  } catch { /* no app dir */ }
  for (const e of entries) {
    if (!e.isDirectory || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name)) continue;
    const source = read(`${e.name}/wsgi.py`);
    if (source !== undefined && read(`${e.name}/__init__.py`) !== undefined) {
      found.push({ module: `${e.name}.wsgi`, path: `${e.name}/wsgi.py`, source });
    }
  }
  return found;
}

/** `launch.yml` for the platform (read instead of bin/release's output). */
export function launchYaml(command: string): string {
  return `processes:\n- type: web\n  command: ${JSON.stringify(command)}\n`;
}
