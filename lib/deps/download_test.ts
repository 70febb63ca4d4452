import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { downloadTo } from "./download.ts";
import { BuildpackError } from "../errors.ts";

const body = new TextEncoder().encode("runtime bytes\n".repeat(1000));
const sha = createHash("sha256").update(body).digest("hex");

async function withServer(
  handler: (req: Request) => Response | Promise<Response>,
  fn: (base: string) => Promise<void>,
): Promise<void> {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, handler);
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("downloadTo retries server errors with backoff, then verifies", async () => {
  let calls = 0;
  await withServer(
    () => ++calls < 3 ? new Response("busy", { status: 503 }) : new Response(body),
    async (base) => {
      await withTemp(async (dir) => {
        const retries: number[] = [];
        await downloadTo(`${base}/python.tgz`, `${dir}/f`, {
          name: "python",
          sha256: sha,
          backoffMs: 10,
          env: {},
          onRetry: (_r, attempt) => retries.push(attempt),
        });
        assert.equal(calls, 3);
        assert.deepEqual(retries, [1, 2]);
        assert.deepEqual(await Deno.readFile(`${dir}/f`), body);
      });
    },
  );
});

Deno.test("downloadTo does not retry a 404 and redacts credentials in the error", async () => {
  let calls = 0;
  await withServer(() => {
    calls++;
    return new Response("no", { status: 404 });
  }, async (base) => {
    await withTemp(async (dir) => {
      const url = base.replace("http://", "http://user:s3cret@") + "/python.tgz";
      const err = await downloadTo(url, `${dir}/f`, {
        name: "python",
        sha256: sha,
        backoffMs: 10,
        env: {},
      })
        .then(() => undefined, (e) => e);
      assert.ok(err instanceof BuildpackError);
      assert.equal(calls, 1);
      assert.match(
        err.message,
        /Could not install python: could not download http:\/\/-redacted-:-redacted-@127/,
      );
      assert.match(err.message, /HTTP 404/);
      assert.ok(!err.message.includes("s3cret"));
      assert.deepEqual([...Deno.readDirSync(dir)], [], "no partial file is left");
    });
  });
});

Deno.test("downloadTo removes a file whose sha256 does not match", async () => {
  await withServer(() => new Response(body), async (base) => {
    await withTemp(async (dir) => {
      const wrong = "f".repeat(64);
      const err = await downloadTo(`${base}/x.tgz`, `${dir}/f`, {
        name: "python",
        sha256: wrong,
        env: {},
      })
        .then(() => undefined, (e) => e);
      assert.ok(err instanceof BuildpackError);
      assert.equal(
        err.message.split("\n")[0],
        `Could not install python: dependency sha256 mismatch: expected sha256 ${wrong}, actual sha256 ${sha}`,
      );
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    });
  });
});

Deno.test("downloadTo goes through http_proxy, and not for no_proxy hosts", async () => {
  const seen: string[] = [];
  await withServer((req) => {
    seen.push(req.url);
    return new Response(body);
  }, async (proxy) => {
    await withTemp(async (dir) => {
      // the origin does not exist: only the proxy can answer
      await downloadTo("http://deps.example.invalid/python.tgz", `${dir}/a`, {
        name: "python",
        sha256: sha,
        env: { http_proxy: proxy },
      });
      assert.equal(seen.length, 1);
      assert.match(seen[0], /deps\.example\.invalid\/python\.tgz$/);
      const err = await downloadTo("http://deps.example.invalid/python.tgz", `${dir}/b`, {
        name: "python",
        sha256: sha,
        attempts: 1,
        env: { HTTP_PROXY: proxy, NO_PROXY: ".example.invalid" },
      }).then(() => undefined, (e) => e);
      assert.ok(err instanceof BuildpackError, "bypassing the proxy, the made-up host fails");
      assert.equal(seen.length, 1);
    });
  });
});

Deno.test("downloadTo copies file:// URIs with verification", async () => {
  await withTemp(async (dir) => {
    await Deno.writeFile(`${dir}/src.tgz`, body);
    await downloadTo(`file://${dir}/src.tgz`, `${dir}/dst`, { name: "python", sha256: sha });
    assert.deepEqual(await Deno.readFile(`${dir}/dst`), body);
  });
});

Deno.test("downloadTo ignores the process env's proxies when its env says direct", async () => {
  // Deno's HTTP client reads HTTP_PROXY by itself and knows no `no_proxy=*`:
  // the buildpack's env and proxy rules must win.
  const saved = Deno.env.get("HTTP_PROXY");
  Deno.env.set("HTTP_PROXY", "http://127.0.0.1:9"); // nothing listens there
  try {
    await withServer(() => new Response(body), async (base) => {
      await withTemp(async (dir) => {
        for (const env of [{}, { HTTP_PROXY: "http://127.0.0.1:9", NO_PROXY: "*" }]) {
          await downloadTo(`${base}/python.tgz`, `${dir}/f`, {
            name: "python",
            sha256: sha,
            attempts: 1,
            env,
          });
        }
        assert.equal(Deno.env.get("HTTP_PROXY"), "http://127.0.0.1:9", "the env is restored");
      });
    });
  } finally {
    if (saved === undefined) Deno.env.delete("HTTP_PROXY");
    else Deno.env.set("HTTP_PROXY", saved);
  }
});

Deno.test({
  name: "downloadTo gives up on a server that stalls mid-body, naming the variable",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    let calls = 0;
    const stalled: ReadableStreamDefaultController<Uint8Array>[] = [];
    await withServer(() => {
      calls++;
      // Headers and a first chunk, then nothing: the connection stays open.
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(body.subarray(0, 1000));
          stalled.push(c);
        },
      });
      return new Response(stream, { headers: { "content-length": String(body.length) } });
    }, async (base) => {
      await withTemp(async (dir) => {
        const started = performance.now();
        const url = base.replace("http://", "http://u:p@ss@") + "/python.tgz";
        const err = await downloadTo(url, `${dir}/f`, {
          name: "python",
          sha256: sha,
          backoffMs: 10,
          env: { BP_DOWNLOAD_IDLE_TIMEOUT: "0.3" },
        }).then(() => undefined, (e) => e);
        assert.ok(err instanceof BuildpackError, String(err));
        assert.ok(performance.now() - started < 5000, "bounded by the idle timeout");
        assert.equal(calls, 3, "retried");
        assert.match(
          err.message,
          /^Could not install python: could not download http:\/\/-redacted-:-redacted-@127\.0\.0\.1:\d+\/python\.tgz: no data received for 0\.3 s \(3 attempts, no proxy\)/,
        );
        assert.match(err.message, /BP_DOWNLOAD_IDLE_TIMEOUT/);
        assert.deepEqual([...Deno.readDirSync(dir)], [], "no partial file is left");
      });
      for (const c of stalled) {
        try {
          c.close();
        } catch { /* already cancelled by the client */ }
      }
    });
  },
});

Deno.test({
  name: "downloadTo bounds the wait for a response, naming the proxy",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    // A "proxy" that accepts connections and never answers.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const held: Deno.Conn[] = [];
    (async () => {
      for await (const conn of listener) held.push(conn);
    })().catch(() => {});
    const proxy = `http://127.0.0.1:${listener.addr.port}`;
    try {
      await withTemp(async (dir) => {
        const err = await downloadTo("http://deps.example.invalid/python.tgz", `${dir}/f`, {
          name: "python",
          sha256: sha,
          attempts: 2,
          backoffMs: 10,
          env: { http_proxy: proxy, BP_DOWNLOAD_CONNECT_TIMEOUT: "0.3" },
        }).then(() => undefined, (e) => e);
        assert.ok(err instanceof BuildpackError, String(err));
        assert.match(
          err.message,
          new RegExp(
            `no response within 0\\.3 s of connecting \\(2 attempts, through proxy ${proxy}\\)`,
          ),
        );
        assert.match(err.message, /BP_DOWNLOAD_CONNECT_TIMEOUT/);
      });
    } finally {
      listener.close();
      for (const c of held) c.close();
    }
  },
});

Deno.test("downloadTo rejects a timeout variable that is not a number of seconds", async () => {
  await withTemp(async (dir) => {
    const err = await downloadTo("http://127.0.0.1:9/x.tgz", `${dir}/f`, {
      name: "python",
      sha256: sha,
      env: { BP_DOWNLOAD_IDLE_TIMEOUT: "1m" },
    }).then(() => undefined, (e) => e);
    assert.ok(err instanceof BuildpackError);
    assert.match(
      err.message,
      /^BP_DOWNLOAD_IDLE_TIMEOUT is '1m', not a positive number of seconds/,
    );
  });
});

Deno.test("a full disk during a download says so, not 'could not download'", async () => {
  await withServer(() => new Response(body), async (base) => {
    await withTemp(async (dir) => {
      // /dev/full fails every write with ENOSPC, as a full disk does.
      await Deno.symlink("/dev/full", `${dir}/python.tgz.partial`);
      const err = await downloadTo(`${base}/python.tgz`, `${dir}/python.tgz.partial`, {
        name: "python",
        sha256: sha,
        backoffMs: 10,
        env: {},
      }).then(() => undefined, (e) => e);
      assert.ok(err instanceof BuildpackError, String(err));
      assert.equal(
        err.message.split("\n")[0],
        `no space left on device while downloading python into ${dir}.`,
      );
    });
  });
});
