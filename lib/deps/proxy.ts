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

function ipv4(text: string): number | undefined {
  const m = text.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

/** Whether IPv4 `host` is inside `a.b.c.d/bits` (pip and Go read such entries). */
function inCidr(host: string, cidr: string): boolean | undefined {
  const m = cidr.match(/^([\d.]+)\/(\d{1,2})$/);
  const net = m ? ipv4(m[1]) : undefined;
  if (!m || net === undefined || Number(m[2]) > 32) return undefined;
  const ip = ipv4(host);
  if (ip === undefined) return false;
  const size = 2 ** (32 - Number(m[2]));
  return Math.floor(ip / size) === Math.floor(net / size);
}

/**
 * Whether `host` matches a `no_proxy` list (`*`, `.example.com`,
 * `example.com`, `host:port`, IPv4 CIDR `10.0.0.0/8`).
 */
export function bypassesProxy(host: string, port: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  for (const raw of noProxy.split(/[,\s]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    const cidr = inCidr(h, entry);
    if (cidr !== undefined) {
      if (cidr) return true;
      continue;
    }
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
