/**
 * A private package index for tests: serves this machine's local PyPI mirror
 * (a PEP 503 "simple" tree on disk, found through `pip config list`) over
 * real HTTP or HTTPS on 127.0.0.1, optionally behind basic auth, optionally
 * refusing requests that did not come through a proxy, and optionally with
 * extra files (a runtime tarball) beside it. Every request is recorded.
 * @module
 */
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { mirrorEnv } from "./pip_mirror.ts";

/** One request the server answered. */
export interface ServedRequest {
  /** Request method. */
  method: string;
  /** Path of the request URL (absolute-form URLs from proxies reduced to it). */
  path: string;
  /** Status sent. */
  status: number;
  /** Peer address (the proxy's outgoing address when proxied). */
  remote: string;
  /** The `Via` header, if any. */
  via?: string;
}

/** Options of {@link startIndexServer}. */
export interface IndexServerOptions {
  /** Mirror root dirs, each holding `simple/` and `files/` (default: {@link mirrorRoots}). */
  roots?: string[];
  /** Serve only the projects this accepts (normalized names); others 404. */
  projects?: (name: string) => boolean;
  /** Extra files by URL path, e.g. `{ "/python.tgz": tarballPath }`. */
  files?: Record<string, string>;
  /** Require these basic-auth credentials (401 without). */
  auth?: { user: string; password: string };
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string };
  /** Why a request is refused with 403, or undefined to serve it. */
  refuse?: (req: Request, remote: string) => string | undefined;
  /** Listen on this port (a fixture's lock names it) instead of a free one. */
  port?: number;
}

/** A running index server. */
export interface IndexServer {
  /** `http(s)://127.0.0.1:PORT` (no trailing slash). */
  origin: string;
  /** `origin + "/simple"`, the index URL for pip. */
  index: string;
  /** Port it listens on. */
  port: number;
  /** Every request so far. */
  requests: ServedRequest[];
  /** Stop serving and wait until closed. */
  close(): Promise<void>;
}

/**
 * The on-disk roots of the local mirror pip is configured with (each the
 * parent of a `file://.../simple` index); empty when the mirror is not a local
 * simple tree.
 */
export async function mirrorRoots(): Promise<string[]> {
  const env = (await mirrorEnv()) ?? {};
  const urls = [env.PIP_INDEX_URL, ...(env.PIP_EXTRA_INDEX_URL ?? "").split(/\s+/)];
  const roots: string[] = [];
  for (const url of urls) {
    if (!url?.startsWith("file://")) continue;
    const simple = fileURLToPath(url).replace(/\/+$/, "");
    try {
      if (Deno.statSync(join(simple, "index.html")).isFile) roots.push(dirname(simple));
    } catch { /* not a simple tree */ }
  }
  return roots;
}

/** Why the index server cannot serve the mirror here, or `undefined`. */
export async function indexSkipReason(): Promise<string | undefined> {
  return (await mirrorRoots()).length
    ? undefined
    : "pip has no local file:// simple mirror configured (pip config list)";
}

/** PEP 503 name normalization. */
function normalizeProject(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function authorized(req: Request, auth: { user: string; password: string }): boolean {
  const header = req.headers.get("authorization") ?? "";
  const m = header.match(/^Basic\s+(\S+)$/i);
  if (!m) return false;
  try {
    return atob(m[1]) === `${auth.user}:${auth.password}`;
  } catch {
    return false;
  }
}

async function fileResponse(path: string, type: string): Promise<Response | undefined> {
  try {
    const file = await Deno.open(path);
    const size = (await file.stat()).size;
    return new Response(file.readable, {
      headers: { "content-type": type, "content-length": String(size) },
    });
  } catch {
    return undefined;
  }
}

/** Resolve a URL path to a file of the mirror, or undefined. */
function locate(
  path: string,
  roots: string[],
  projects: (name: string) => boolean,
): { file: string; type: string } | { redirect: string } | undefined {
  const clean = normalize(decodeURIComponent(path));
  if (clean.includes("..") || clean.includes("\0")) return undefined;
  if (clean === "/simple" || clean === "/simple/") {
    return { file: join(roots[0], "simple", "index.html"), type: "text/html" };
  }
  let m = clean.match(/^\/simple\/([^/]+)(\/?)(?:index\.html)?$/);
  if (m) {
    const name = normalizeProject(m[1]);
    if (!projects(name)) return undefined;
    if (!m[2]) return { redirect: `/simple/${name}/` };
    for (const root of roots) {
      const file = join(root, "simple", name, "index.html");
      try {
        if (Deno.statSync(file).isFile) return { file, type: "text/html" };
      } catch { /* next root */ }
    }
    return undefined;
  }
  m = clean.match(/^\/files\/([^/]+)$/);
  if (m) {
    for (const root of roots) {
      const file = join(root, "files", m[1]);
      try {
        if (Deno.statSync(file).isFile) return { file, type: "application/octet-stream" };
      } catch { /* next root */ }
    }
  }
  return undefined;
}

/** Start the index on a free port of 127.0.0.1 (or `options.port`). */
export async function startIndexServer(options: IndexServerOptions = {}): Promise<IndexServer> {
  const roots = options.roots ?? await mirrorRoots();
  if (!roots.length) throw new Error("no mirror root to serve (see indexSkipReason)");
  const projects = options.projects ?? (() => true);
  const requests: ServedRequest[] = [];

  const handle = async (req: Request, remote: string): Promise<Response> => {
    const path = new URL(req.url).pathname;
    const answer = async (): Promise<Response> => {
      const refused = options.refuse?.(req, remote);
      if (refused) return new Response(`${refused}\n`, { status: 403 });
      if (options.auth && !authorized(req, options.auth)) {
        return new Response("credentials required\n", {
          status: 401,
          headers: { "www-authenticate": 'Basic realm="test index"' },
        });
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        return new Response("method not allowed\n", { status: 405 });
      }
      const extra = options.files?.[path];
      const found = extra
        ? { file: extra, type: "application/gzip" }
        : locate(path, roots, projects);
      if (found && "redirect" in found) {
        return new Response(null, { status: 301, headers: { location: found.redirect } });
      }
      const res = found && await fileResponse(found.file, found.type);
      return res ?? new Response("not found\n", { status: 404 });
    };
    const res = await answer();
    requests.push({
      method: req.method,
      path,
      status: res.status,
      remote,
      ...(req.headers.has("via") ? { via: req.headers.get("via")! } : {}),
    });
    return res;
  };

  let ready: (port: number) => void;
  const listening = new Promise<number>((r) => ready = r);
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    ...(options.tls ?? {}),
    onListen: ({ port }) => ready(port),
    onError: (e) => new Response(`server error: ${e}\n`, { status: 500 }),
  }, (req, info) => handle(req, (info.remoteAddr as Deno.NetAddr).hostname));
  const port = await listening;
  const origin = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  return {
    origin,
    index: `${origin}/simple`,
    port,
    requests,
    close: async () => {
      await server.shutdown();
    },
  };
}
