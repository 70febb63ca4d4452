/**
 * Proxy selection from `http_proxy`/`https_proxy`/`no_proxy` (either case),
 * as curl and pip read them. Pure.
 * @module
 */

/** Read an env var in lower case first, then upper case, like curl. */
function envEither(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return value === "" ? undefined : value;
}

/** Whether `host` matches a `no_proxy` list (`*`, `.example.com`, `example.com`, `host:port`). */
export function bypassesProxy(host: string, port: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  for (const raw of noProxy.split(/[,\s]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    const m = entry.match(/^(.*):(\d+)$/);
    if (m && !entry.includes("]") && m[1]) {
      if (m[2] !== port) continue;
      entry = m[1];
    }
    entry = entry.replace(/^\*?\./, ".");
    if (entry.startsWith(".")) {
      if (h.endsWith(entry) || h === entry.slice(1)) return true;
    } else if (h === entry || h.endsWith("." + entry)) return true;
  }
  return false;
}

/** The proxy URL to use for `url`, or undefined for a direct connection. */
export function proxyFor(
  url: string,
  env: Record<string, string | undefined>,
): string | undefined {
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  if (bypassesProxy(u.hostname, port, envEither(env, "no_proxy"))) return undefined;
  const proxy = u.protocol === "https:"
    ? envEither(env, "https_proxy") ?? envEither(env, "all_proxy")
    : envEither(env, "http_proxy") ?? envEither(env, "all_proxy");
  if (!proxy) return undefined;
  return proxy.includes("://") ? proxy : `http://${proxy}`;
}
