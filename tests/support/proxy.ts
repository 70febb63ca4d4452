/**
 * A real forward proxy for tests: Debian's tinyproxy, started on a free port
 * of 127.0.0.1 with a generated config (its own temp dir for config, log and
 * nothing else) and stopped by its process id. It adds a `Via` header to
 * proxied plain-HTTP requests and, with `outgoing`, opens every upstream
 * connection (CONNECT tunnels too) from that loopback address, so a server can
 * tell proxied requests from direct ones.
 * @module
 */
import { join } from "node:path";

/** A running tinyproxy. */
export interface TestProxy {
  /** `http://127.0.0.1:PORT`, the value for `http_proxy`/`https_proxy`. */
  url: string;
  /** Port it listens on. */
  port: number;
  /** Its log so far (connections and request lines). */
  log(): Promise<string>;
  /** Stop it (SIGTERM to its pid, then wait) and remove its temp dir. */
  stop(): Promise<void>;
}

/** Why tinyproxy cannot be used here, or `undefined`. */
export function proxySkipReason(): string | undefined {
  try {
    const out = new Deno.Command("tinyproxy", { args: ["-v"], stdout: "null", stderr: "null" })
      .outputSync();
    return out.success ? undefined : "tinyproxy does not run";
  } catch {
    return "tinyproxy is not installed (apt-get install tinyproxy; .ci/run installs it)";
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function accepting(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * The tinyproxy config: listen on 127.0.0.1:`port`, allow only loopback
 * clients, log at Info level to `logFile`, and bind outgoing connections to
 * `outgoing` when given. Pure.
 */
export function tinyproxyConfig(
  port: number,
  options: { logFile: string; outgoing?: string },
): string {
  return [
    `Port ${port}`,
    "Listen 127.0.0.1",
    "Timeout 30",
    `LogFile "${options.logFile}"`,
    "LogLevel Info",
    "MaxClients 32",
    "Allow 127.0.0.1",
    ...(options.outgoing ? [`Bind ${options.outgoing}`] : []),
    "",
  ].join("\n");
}

/**
 * Start tinyproxy in the foreground (`-d`) as a child of this process.
 * `outgoing` is the loopback address its upstream connections come from
 * (e.g. `127.0.0.2`).
 */
export async function startTinyproxy(options: { outgoing?: string } = {}): Promise<TestProxy> {
  const dir = await Deno.makeTempDir({ prefix: "e2e-proxy-" });
  const logFile = join(dir, "tinyproxy.log");
  const conf = join(dir, "tinyproxy.conf");
  for (let attempt = 1;; attempt++) {
    const port = freePort();
    await Deno.writeTextFile(conf, tinyproxyConfig(port, { logFile, ...options }));
    const child = new Deno.Command("tinyproxy", {
      args: ["-d", "-c", conf],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    let exited = false;
    child.status.then(() => exited = true);
    const deadline = Date.now() + 5000;
    while (!exited && Date.now() < deadline && !(await accepting(port))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!exited && await accepting(port)) {
      const stop = async () => {
        if (!exited) {
          try {
            Deno.kill(child.pid, "SIGTERM");
          } catch { /* already gone */ }
        }
        await child.status;
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      };
      return {
        url: `http://127.0.0.1:${port}`,
        port,
        log: () => Deno.readTextFile(logFile).catch(() => ""),
        stop,
      };
    }
    if (!exited) Deno.kill(child.pid, "SIGKILL");
    await child.status;
    if (attempt >= 3) {
      const log = await Deno.readTextFile(logFile).catch(() => "");
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw new Error(`tinyproxy did not start listening:\n${log}`);
    }
  }
}
