/**
 * End to end: private package indexes, credentials, TLS with a test CA and a
 * real proxy. A real CPython 3.11 runtime and real pip stage an app whose
 * only index is the machine's local mirror served by tests/support/
 * index_server.ts on 127.0.0.1 (no other index is configured: `noMirror`),
 * then the app is started and asked over HTTP for the package it imported.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type BuiltRuntime, pythonRuntime, skipReason, testManifest } from "./support/runtimes.ts";
import { type IndexServer, indexSkipReason, startIndexServer } from "./support/index_server.ts";
import { caSkipReason, createTestCa } from "./support/test_ca.ts";
import { proxySkipReason, startTinyproxy } from "./support/proxy.ts";
import { assertStaged, cleanup, get, stageApp, withRunningApp } from "./support/staging.ts";
import type { StageResult } from "../tools/stage/mod.ts";

const skip = skipReason("3.11") ?? await indexSkipReason();
if (skip) console.log(`network e2e tests skipped: ${skip}`);
const opts = { ignore: skip !== undefined, sanitizeOps: false, sanitizeResources: false };
const tlsSkip = skip ?? caSkipReason();
if (tlsSkip && !skip) console.log(`TLS e2e tests skipped: ${tlsSkip}`);
const tlsOpts = { ...opts, ignore: tlsSkip !== undefined };
const proxySkip = skip ?? proxySkipReason();
if (proxySkip && !skip) console.log(`proxy e2e tests skipped: ${proxySkip}`);
const proxyOpts = { ...opts, ignore: proxySkip !== undefined };
const proxyTlsOpts = { ...opts, ignore: (proxySkip ?? tlsSkip) !== undefined };

/** The mirror's `six` wheel: small, pure, and what the test app imports. */
const SIX_VERSION = "1.17.0";
const SIX_WHEEL = `/files/six-${SIX_VERSION}-py2.py3-none-any.whl`;
const PASSWORD = "s3cret";
/** Fail fast instead of pip's 5 retries with backoff. */
const PIP_FAST = { PIP_RETRIES: "0", PIP_TIMEOUT: "10" };

const APP = `"""Reports the version and location of the six it imported."""
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

import six


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"six": six.__version__, "file": six.__file__}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
`;

/** A temp app importing six, with `requirements` as its requirements.txt. */
async function sixApp(requirements: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "e2e-app-" });
  await Deno.writeTextFile(join(dir, "app.py"), APP);
  await Deno.writeTextFile(join(dir, "requirements.txt"), requirements);
  await Deno.writeTextFile(join(dir, "Procfile"), "web: python app.py\n");
  return dir;
}

async function runtime311(): Promise<BuiltRuntime> {
  return (await pythonRuntime("3.11"))!;
}

/** A manifest whose runtime is downloaded from `uri` instead of the local file. */
function manifestAt(rt: BuiltRuntime, uri: string): string {
  return testManifest([{ ...rt, uri }]);
}

/** Stage `requirements` with `env`, always removing the app and the staging. */
async function withStaging(
  requirements: string,
  options: { manifest: string; env: Record<string, string> },
  fn: (result: StageResult) => Promise<void> | void,
): Promise<void> {
  const app = await sixApp(requirements);
  const result = await stageApp(app, {
    manifest: options.manifest,
    env: { ...PIP_FAST, ...options.env },
    noMirror: true,
  });
  try {
    await fn(result);
  } finally {
    await cleanup(result);
    await Deno.remove(app, { recursive: true });
  }
}

/** Start the droplet and check the app imported the mirror's six from its deps dir. */
async function assertServesSix(result: StageResult): Promise<void> {
  await withRunningApp(assertStaged(result), async (url, log) => {
    const res = await get(url);
    assert.equal(res.status, 200, log());
    const info = JSON.parse(res.body);
    assert.equal(info.six, SIX_VERSION);
    assert.match(info.file, /\/home\/vcap\/deps\/0\/python\/lib\/python3\.11\/site-packages\//);
  });
}

function served(server: IndexServer, path: string): boolean {
  return server.requests.some((r) => r.path === path && r.status === 200);
}

Deno.test(
  "-i and --trusted-host lines in requirements.txt: a private HTTP index is the only one",
  opts,
  async () => {
    const rt = await runtime311();
    const index = await startIndexServer();
    try {
      const requirements = `-i ${index.index}\n--trusted-host 127.0.0.1\nsix==${SIX_VERSION}\n`;
      await withStaging(requirements, { manifest: testManifest([rt]), env: {} }, async (result) => {
        assertStaged(result);
        assert.match(result.log, new RegExp(`Looking in indexes: ${index.index}\\n`));
        assert.ok(served(index, "/simple/six/"), "pip read the project page from the index");
        assert.ok(served(index, SIX_WHEEL), "pip downloaded the wheel the page links to");
        await assertServesSix(result);
      });
    } finally {
      await index.close();
    }
  },
);

Deno.test(
  "PIP_INDEX_URL and the runtime's URI with basic-auth credentials: installs, and the password never reaches the log",
  opts,
  async () => {
    const rt = await runtime311();
    const index = await startIndexServer({
      auth: { user: "user", password: PASSWORD },
      files: { "/python.tgz": rt.tarball },
    });
    try {
      const anonymous = await get(index.index + "/six/");
      assert.equal(anonymous.status, 401, "the index refuses requests without credentials");
      const withCredentials = `http://user:${PASSWORD}@127.0.0.1:${index.port}`;
      // BP_DEBUG: the debug lines must not leak it either.
      const env = { PIP_INDEX_URL: `${withCredentials}/simple`, BP_DEBUG: "1" };
      const manifest = manifestAt(rt, `${withCredentials}/python.tgz`);
      await withStaging("six\n", { manifest, env }, async (result) => {
        assertStaged(result);
        assert.ok(!result.log.includes(PASSWORD), result.log);
        const redacted = `http://-redacted-:-redacted-@127.0.0.1:${index.port}`;
        assert.ok(result.log.includes(`Download [${redacted}/python.tgz]`), result.log);
        assert.ok(result.log.includes(`Looking in indexes: ${redacted}/simple`), result.log);
        assert.ok(served(index, "/python.tgz"), "the buildpack sent the URI's credentials");
        assert.ok(served(index, SIX_WHEEL));
        await assertServesSix(result);
      });
    } finally {
      await index.close();
    }
  },
);

Deno.test(
  "--extra-index-url line with credentials in requirements.txt: the package only it has installs",
  opts,
  async () => {
    const rt = await runtime311();
    // The main index lacks six; only the password-protected extra one has it.
    const main = await startIndexServer({ projects: (name) => name !== "six" });
    const extra = await startIndexServer({
      auth: { user: "user", password: PASSWORD },
      projects: (name) => name === "six",
    });
    try {
      const requirements =
        `--extra-index-url http://user:${PASSWORD}@127.0.0.1:${extra.port}/simple\n` +
        "six\n";
      const env = { PIP_INDEX_URL: main.index };
      await withStaging(requirements, { manifest: testManifest([rt]), env }, async (result) => {
        assertStaged(result);
        assert.ok(!result.log.includes(PASSWORD), result.log);
        assert.ok(served(extra, SIX_WHEEL), "six came from the extra index");
        assert.ok(main.requests.some((r) => r.path === "/simple/six/" && r.status === 404));
        await assertServesSix(result);
      });
    } finally {
      await main.close();
      await extra.close();
    }
  },
);

Deno.test("an HTTPS index signed by a test CA is trusted through PIP_CERT", tlsOpts, async () => {
  const rt = await runtime311();
  const ca = await createTestCa();
  const index = await startIndexServer({ tls: ca });
  try {
    const env = { PIP_INDEX_URL: index.index, PIP_CERT: ca.caFile };
    await withStaging("six\n", { manifest: testManifest([rt]), env }, async (result) => {
      assertStaged(result);
      assert.ok(served(index, SIX_WHEEL));
      await assertServesSix(result);
    });
  } finally {
    await index.close();
    await ca.remove();
  }
});

/**
 * On Cloud Foundry an operator's trusted CAs are added to the container's
 * stack bundle, /etc/ssl/certs/ca-certificates.crt. The host's bundle must
 * not be modified here, so the test gives staging a copy of it with the test
 * CA appended through SSL_CERT_FILE, OpenSSL's standard override of that
 * path: the buildpack's own runtime download (over HTTPS from the same
 * server) and pip (no PIP_CERT set) must both trust it.
 */
Deno.test(
  "a test CA added to the stack's CA bundle (SSL_CERT_FILE): the runtime download and pip trust it",
  tlsOpts,
  async () => {
    const rt = await runtime311();
    const ca = await createTestCa();
    const index = await startIndexServer({ tls: ca, files: { "/python.tgz": rt.tarball } });
    const bundle = join(ca.dir, "stack-bundle.crt");
    try {
      const system = await Deno.readTextFile("/etc/ssl/certs/ca-certificates.crt").catch(() => "");
      await Deno.writeTextFile(bundle, system + "\n" + await Deno.readTextFile(ca.caFile));
      const env = { PIP_INDEX_URL: index.index, SSL_CERT_FILE: bundle };
      const manifest = manifestAt(rt, `${index.origin}/python.tgz`);
      await withStaging("six\n", { manifest, env }, async (result) => {
        assertStaged(result);
        assert.match(result.log, new RegExp(`Download \\[${index.origin}/python\\.tgz\\]`));
        assert.ok(served(index, "/python.tgz"));
        assert.ok(served(index, SIX_WHEEL));
        await assertServesSix(result);
      });
    } finally {
      await index.close();
      await ca.remove();
    }
  },
);

Deno.test(
  "an HTTPS index whose CA is not trusted fails with pip's SSL error and exit 223",
  tlsOpts,
  async () => {
    const rt = await runtime311();
    const ca = await createTestCa("untrusted test CA");
    const index = await startIndexServer({ tls: ca });
    try {
      const env = { PIP_INDEX_URL: index.index };
      await withStaging("six\n", { manifest: testManifest([rt]), env }, (result) => {
        assert.equal(result.exitCode, 223, result.log);
        assert.match(result.log, /CERTIFICATE_VERIFY_FAILED/);
        assert.match(result.log, /Could not install packages: pip install failed/);
        assert.ok(!served(index, SIX_WHEEL));
      });
    } finally {
      await index.close();
      await ca.remove();
    }
  },
);

/** The loopback address tinyproxy opens its upstream connections from. */
const PROXY_OUTGOING = "127.0.0.2";

/**
 * Direct access is refused: the index answers 403 unless the connection
 * comes from tinyproxy's outgoing address (its `Bind`) and, for plain HTTP,
 * the request carries the `Via` header tinyproxy adds. (A CONNECT tunnel for
 * HTTPS carries no header the server could see, so there the address alone
 * tells.)
 */
function onlyThroughProxy(req: Request, remote: string): string | undefined {
  if (remote !== PROXY_OUTGOING) return `direct access from ${remote} refused: use the proxy`;
  if (req.url.startsWith("http:") && !/tinyproxy/.test(req.headers.get("via") ?? "")) {
    return "request without the proxy's Via header refused";
  }
  return undefined;
}

Deno.test(
  "http_proxy (lower case): the runtime download and pip go through tinyproxy; direct access is refused",
  proxyOpts,
  async () => {
    const rt = await runtime311();
    const proxy = await startTinyproxy({ outgoing: PROXY_OUTGOING });
    const index = await startIndexServer({
      refuse: onlyThroughProxy,
      files: { "/python.tgz": rt.tarball },
    });
    try {
      assert.equal((await get(index.index + "/")).status, 403, "direct access is refused");
      const env = { PIP_INDEX_URL: index.index, http_proxy: proxy.url };
      const manifest = manifestAt(rt, `${index.origin}/python.tgz`);
      await withStaging("six\n", { manifest, env }, async (result) => {
        assertStaged(result);
        assert.match(result.log, new RegExp(`Download \\[${index.origin}/python\\.tgz\\]`));
        const tarball = index.requests.find((r) => r.path === "/python.tgz" && r.status === 200);
        assert.match(tarball?.via ?? "", /tinyproxy/, "the runtime came through the proxy");
        assert.ok(served(index, SIX_WHEEL), "pip went through the proxy");
        assert.match(await proxy.log(), new RegExp(`GET ${index.origin}${SIX_WHEEL}`));
        await assertServesSix(result);
      });
    } finally {
      await index.close();
      await proxy.stop();
    }
  },
);

Deno.test(
  "HTTPS_PROXY (upper case): HTTPS runtime download and pip tunnel through tinyproxy",
  proxyTlsOpts,
  async () => {
    const rt = await runtime311();
    const ca = await createTestCa();
    const proxy = await startTinyproxy({ outgoing: PROXY_OUTGOING });
    const index = await startIndexServer({
      tls: ca,
      refuse: onlyThroughProxy,
      files: { "/python.tgz": rt.tarball },
    });
    try {
      const env = {
        PIP_INDEX_URL: index.index,
        PIP_CERT: ca.caFile,
        SSL_CERT_FILE: ca.caFile,
        HTTPS_PROXY: proxy.url,
      };
      const manifest = manifestAt(rt, `${index.origin}/python.tgz`);
      await withStaging("six\n", { manifest, env }, async (result) => {
        assertStaged(result);
        assert.match(result.log, new RegExp(`Download \\[${index.origin}/python\\.tgz\\]`));
        assert.ok(served(index, "/python.tgz"), "the runtime came through the tunnel");
        assert.ok(served(index, SIX_WHEEL), "pip came through the tunnel");
        assert.match(await proxy.log(), new RegExp(`CONNECT 127\\.0\\.0\\.1:${index.port}`));
        await assertServesSix(result);
      });
    } finally {
      await index.close();
      await proxy.stop();
      await ca.remove();
    }
  },
);

Deno.test(
  "HTTP_PROXY with NO_PROXY=*: the runtime download and pip go direct",
  proxyOpts,
  async () => {
    const rt = await runtime311();
    const proxy = await startTinyproxy({ outgoing: PROXY_OUTGOING });
    const index = await startIndexServer({ files: { "/python.tgz": rt.tarball } });
    try {
      // `*`: pip and the buildpack bypass every proxy (Deno's own env proxy rules would not).
      const env = {
        PIP_INDEX_URL: index.index,
        HTTP_PROXY: proxy.url,
        NO_PROXY: "*",
      };
      const manifest = manifestAt(rt, `${index.origin}/python.tgz`);
      await withStaging("six\n", { manifest, env }, async (result) => {
        assertStaged(result);
        assert.ok(served(index, "/python.tgz") && served(index, SIX_WHEEL));
        assert.deepEqual(index.requests.filter((r) => r.via || r.remote !== "127.0.0.1"), []);
        assert.doesNotMatch(await proxy.log(), /Request \(file descriptor/);
        await assertServesSix(result);
      });
    } finally {
      await index.close();
      await proxy.stop();
    }
  },
);
