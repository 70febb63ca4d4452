/**
 * Fetching a dependency to a file while hashing it: http(s) with retries,
 * backoff, proxies and the stack's CA bundle, and `file://`. The body is
 * streamed to disk through sha256; nothing is held in memory.
 * @module
 */
import { dirname, fromFileUrl } from "../path.ts";
import { proxyFor } from "./proxy.ts";
import { redactUrls } from "../redact.ts";
import { describeIoError, osErrorCode } from "../io_errors.ts";
import {
  BuildpackError,
  downloadFailed,
  downloadTimedOut,
  sha256Mismatch,
  timeoutVariableInvalid,
} from "../errors.ts";

/** Seconds to wait for a connection and the response headers. */
export const CONNECT_TIMEOUT_VAR = "BP_DOWNLOAD_CONNECT_TIMEOUT";
/** Seconds without a byte of the body before a download is given up (and retried). */
export const IDLE_TIMEOUT_VAR = "BP_DOWNLOAD_IDLE_TIMEOUT";
// Idle, not total: a 100 MB runtime over a slow link may take many minutes,
// but a link that delivers nothing for a minute is stalled.
const DEFAULT_CONNECT_SECONDS = 30;
const DEFAULT_IDLE_SECONDS = 60;

/** Options of {@link downloadTo}. */
export interface DownloadOptions {
  /** Dependency name for messages (`python`). */
  name: string;
  /** Expected sha256 (hex). The file is removed and an error thrown on mismatch. */
  sha256: string;
  /** Attempts for http(s) (default 3). */
  attempts?: number;
  /** First backoff delay in ms, doubled per retry (default 1000). */
  backoffMs?: number;
  /** Environment to read proxies from (default: the process env). */
  env?: Record<string, string | undefined>;
  /** Called before each retry with a redacted reason. */
  onRetry?: (reason: string, attempt: number) => void;
}

/** A streaming sha256 (`node:crypto` is loaded on first use: staging start-up skips it). */
async function newSha256() {
  const { createHash } = await import("node:crypto");
  return createHash("sha256");
}

/**
 * sha256 of a file, hex, read through one reused 256 KiB buffer (streaming
 * `file.readable` allocated a chunk per read: +21 MiB peak for the runtime).
 */
export async function sha256File(path: string): Promise<string> {
  const hash = await newSha256();
  using file = await Deno.open(path);
  const buf = new Uint8Array(256 << 10);
  for (let n; (n = await file.read(buf)) !== null;) hash.update(buf.subarray(0, n));
  return hash.digest("hex");
}

let caCerts: string[] | undefined;

/** The stack's CA bundle (`SSL_CERT_FILE` or Debian/Ubuntu's), trusted for downloads. */
function stackCaCerts(env: Record<string, string | undefined>): string[] {
  if (caCerts) return caCerts;
  caCerts = [];
  for (const path of [env.SSL_CERT_FILE, "/etc/ssl/certs/ca-certificates.crt"]) {
    if (!path) continue;
    try {
      caCerts.push(Deno.readTextFileSync(path));
      break;
    } catch { /* not present on this stack */ }
  }
  return caCerts;
}

/** Every spelling of the proxy variables Deno's HTTP client reads by itself. */
const PROXY_VARS = ["http_proxy", "https_proxy", "all_proxy", "no_proxy"]
  .flatMap((name) => [name, name.toUpperCase()]);

/**
 * An HTTP client using exactly `proxy` (none when undefined). Deno's client
 * also reads the proxy variables of the process env when it is created, with
 * its own `no_proxy` rules (no `*`, no `host:port`); they are hidden for that
 * moment so {@link proxyFor} alone decides, as it does for pip.
 */
function httpClient(proxy: string | undefined, caCerts: string[]): Deno.HttpClient {
  if (proxy) return Deno.createHttpClient({ caCerts, proxy: { url: proxy } });
  const hidden = new Map<string, string>();
  for (const name of PROXY_VARS) {
    const value = Deno.env.get(name);
    if (value === undefined) continue;
    hidden.set(name, value);
    Deno.env.delete(name);
  }
  try {
    return Deno.createHttpClient({ caCerts });
  } finally {
    for (const [name, value] of hidden) Deno.env.set(name, value);
  }
}

/** A wait that took longer than its variable allows. */
class DownloadTimeout extends Error {
  constructor(
    readonly what: "connect" | "idle",
    readonly seconds: number,
    readonly variable: string,
  ) {
    super(`${what} timeout of ${seconds} s (${variable})`);
  }
}

/** The timeouts of `env` in seconds. */
export function downloadTimeouts(
  env: Record<string, string | undefined>,
): { connect: number; idle: number } {
  const read = (variable: string, fallback: number) => {
    const value = env[variable]?.trim();
    if (value === undefined || value === "") return fallback;
    const seconds = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !(seconds > 0)) {
      throw timeoutVariableInvalid(variable, value);
    }
    return seconds;
  };
  return {
    connect: read(CONNECT_TIMEOUT_VAR, DEFAULT_CONNECT_SECONDS),
    idle: read(IDLE_TIMEOUT_VAR, DEFAULT_IDLE_SECONDS),
  };
}

/** The chunks of `body`, failing with a {@link DownloadTimeout} when one takes over `seconds`. */
async function* idleBounded(
  body: ReadableStream<Uint8Array>,
  seconds: number,
): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new DownloadTimeout("idle", seconds, IDLE_TIMEOUT_VAR)),
          seconds * 1000,
        );
      });
      try {
        const { done, value } = await Promise.race([reader.read(), idle]);
        if (done) return;
        yield value;
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    // Closes the connection of a stalled body; a finished one is unaffected.
    reader.cancel().catch(() => {});
  }
}

/** Stream `body` into `dest` through sha256; returns the hex digest. */
async function writeHashed(body: AsyncIterable<Uint8Array>, dest: string): Promise<string> {
  const hash = await newSha256();
  // Plain write() calls, not `file.writable`: Deno's writable stream drops
  // write errors (ENOSPC on a full disk left a silently truncated file).
  using out = await Deno.open(dest, { write: true, create: true, truncate: true });
  for await (const chunk of body) {
    hash.update(chunk);
    for (let done = 0; done < chunk.length;) done += await out.write(chunk.subarray(done));
  }
  return hash.digest("hex");
}

async function fetchOnce(
  uri: string,
  dest: string,
  env: Record<string, string | undefined>,
): Promise<string> {
  if (uri.startsWith("file://")) {
    using src = await Deno.open(fromFileUrl(uri));
    return await writeHashed(src.readable, dest);
  }
  const timeouts = downloadTimeouts(env);
  const client = httpClient(proxyFor(uri, env), stackCaCerts(env));
  const connecting = new AbortController();
  const timer = setTimeout(
    () => connecting.abort(new DownloadTimeout("connect", timeouts.connect, CONNECT_TIMEOUT_VAR)),
    timeouts.connect * 1000,
  );
  try {
    let res: Response;
    try {
      res = await fetch(uri, { client, redirect: "follow", signal: connecting.signal });
    } catch (err) {
      throw connecting.signal.aborted ? connecting.signal.reason : err;
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new HttpStatusError(res.status, res.statusText);
    }
    return await writeHashed(idleBounded(res.body, timeouts.idle), dest);
  } finally {
    client.close();
  }
}

type Env = Record<string, string | undefined>;

class HttpStatusError extends Error {
  constructor(readonly status: number, statusText: string) {
    super(`HTTP ${status} ${statusText}`.trim());
  }
}

/** 4xx other than 408/429 will not get better by retrying. */
function retryable(err: unknown): boolean {
  if (err instanceof HttpStatusError) {
    return err.status >= 500 || err.status === 408 || err.status === 429;
  }
  return !(err instanceof Deno.errors.NotFound) && !(err instanceof Deno.errors.PermissionDenied) &&
    !(err instanceof BuildpackError) && osErrorCode(err) === undefined; // a full disk stays full
}

/** The error the last attempt ends with. */
function finalError(
  err: unknown,
  options: { name: string; uri: string; dest: string; attempts: number; env: Env },
): Error {
  if (err instanceof BuildpackError) return err;
  const io = describeIoError(err, {
    doing: `downloading ${options.name}`,
    path: dirname(options.dest),
  });
  if (io) return io;
  const uri = redactUrls(options.uri);
  if (err instanceof DownloadTimeout) {
    const proxy = proxyFor(options.uri, options.env);
    return downloadTimedOut(options.name, {
      uri,
      what: err.what,
      seconds: err.seconds,
      variable: err.variable,
      proxy: proxy === undefined ? undefined : redactUrls(proxy),
      attempts: options.attempts,
    });
  }
  const reason = redactUrls(err instanceof Error ? err.message : String(err));
  return downloadFailed(options.name, uri, { reason, attempts: options.attempts });
}

/**
 * Download `uri` to `dest` and verify its sha256. On any failure `dest` is
 * removed, so a half-written or unverified file never stays behind.
 */
export async function downloadTo(
  uri: string,
  dest: string,
  options: DownloadOptions,
): Promise<void> {
  const attempts = uri.startsWith("file://") ? 1 : options.attempts ?? 3;
  const env = options.env ?? Deno.env.toObject();
  let delay = options.backoffMs ?? 1000;
  let actual = "";
  for (let attempt = 1;; attempt++) {
    try {
      actual = await fetchOnce(uri, dest, env);
      break;
    } catch (err) {
      await Deno.remove(dest).catch(() => {});
      const reason = redactUrls(err instanceof Error ? err.message : String(err));
      if (attempt >= attempts || !retryable(err)) {
        throw finalError(err, { name: options.name, uri, dest, attempts: attempt, env });
      }
      options.onRetry?.(reason, attempt);
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
  if (actual !== options.sha256.toLowerCase()) {
    await Deno.remove(dest).catch(() => {});
    throw sha256Mismatch(options.name, options.sha256, actual);
  }
}
