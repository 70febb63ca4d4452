/**
 * End to end: the pip path's features through the emulator with a real
 * CPython and real pip, ending in an HTTP request to the started app (or the
 * exact error): BP_PIP_VERSION and PIP_* settings, vendored apps installed
 * with every network path closed from a cached buildpack, Pipfile.lock apps
 * and NLTK corpora from an index served on 127.0.0.1.
 *
 * Test dependencies (pip, setuptools, flit-core) are real wheels fetched
 * from this machine's pip mirror with `pip download`, packed as .tgz
 * dependencies the way the buildpack's manifest ships them.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { zipSync } from "fflate";
import { newestOfMinor, pythonRuntime, testManifest } from "./support/runtimes.ts";
import { buildpackCopy } from "./support/buildpack_copy.ts";
import { copy, treeDigest } from "./support/files.ts";
import { mirrorEnv } from "./support/pip_mirror.ts";
import {
  assertStaged,
  cleanup,
  extractDroplet,
  fixture,
  get,
  stageApp,
  withRunningApp,
} from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const opts = e2eOptions("pip feature");

/** A closed port: anything sent there is refused at once. */
const CLOSED = "http://127.0.0.1:9";

async function command(program: string, args: string[], env?: Record<string, string>) {
  const out = await new Deno.Command(program, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${program} ${args.join(" ")} failed:\n${text}`);
  return text;
}

/** The host's pyenv CPython 3.11 (to `pip download` wheels as a user would). */
async function hostPython(): Promise<string> {
  const version = newestOfMinor(await command("pyenv", ["versions", "--bare"]), "3.11")!;
  return join((await command("pyenv", ["prefix", version])).trim(), "bin", "python");
}

/** `pip download` from the mirror into `dir` (the way users fill vendor/). */
async function pipDownload(dir: string, specs: string[], flags: string[] = []): Promise<void> {
  await command(
    await hostPython(),
    ["-m", "pip", "download", "--quiet", "--only-binary=:all:", "-d", dir, ...flags, ...specs],
    { ...Deno.env.toObject(), ...(await mirrorEnv()) },
  );
}

/** A manifest dependency: a .tgz holding `files` at its top level. */
interface TestDependency {
  name: string;
  version: string;
  tarball: string;
  sha256: string;
}

async function tgzDependency(
  dir: string,
  dep: { name: string; version: string; files: string[] },
): Promise<TestDependency> {
  const tarball = join(dir, `${dep.name}_${dep.version}_linux_noarch_cflinuxfs4.tgz`);
  const staging = join(dir, `${dep.name}-files`);
  await Deno.mkdir(staging, { recursive: true });
  for (const f of dep.files) await Deno.copyFile(f, join(staging, basename(f)));
  await command("tar", ["czf", tarball, "-C", staging, "."]);
  const sha256 = createHash("sha256").update(await Deno.readFile(tarball)).digest("hex");
  return { name: dep.name, version: dep.version, tarball, sha256 };
}

/** A dependency made of the mirror's wheel of `project==version`. */
async function wheelDependency(
  dir: string,
  dep: { name: string; project: string; version: string },
): Promise<TestDependency> {
  const wheels = join(dir, `${dep.name}-wheel`);
  await pipDownload(wheels, [`${dep.project}==${dep.version}`], ["--no-deps"]);
  const files = [...Deno.readDirSync(wheels)].map((e) => join(wheels, e.name));
  return await tgzDependency(dir, { name: dep.name, version: dep.version, files });
}

function manifestItem(dep: TestDependency, uri = `file://${dep.tarball}`): string {
  return [
    `- name: ${dep.name}`,
    `  version: ${dep.version}`,
    `  uri: ${uri}`,
    `  sha256: ${dep.sha256}`,
    "  cf_stacks: [cflinuxfs4]",
  ].join("\n");
}

Deno.test(
  "BP_PIP_VERSION=latest installs the manifest's pip offline; PIP_* settings reach pip",
  opts,
  async () => {
    const rt = (await pythonRuntime("3.11"))!;
    const work = await Deno.makeTempDir({ prefix: "e2e-pip-" });
    const cacheDir = join(work, "cache");
    const env = { BP_PIP_VERSION: "latest", PIP_VERBOSE: "1" };
    const app = await copy(fixture("stdlib_app"));
    try {
      await Deno.writeTextFile(join(app, "requirements.txt"), "six==1.17.0\n");
      const pip = await wheelDependency(work, { name: "pip", project: "pip", version: "26.2.1" });
      const manifest = testManifest([rt], { extra: manifestItem(pip) });
      const result = await stageApp(app, { manifest, env, cacheDir });
      try {
        const droplet = assertStaged(result);
        assert.match(result.log, /Installing pip 26\.2\.1 from the buildpack/);
        assert.match(result.log, /Successfully installed pip-26\.2\.1/);
        assert.doesNotMatch(result.log, /Using python's pip module/);
        // Only verbose pip (PIP_VERBOSE=1) names itself; it is the manifest's pip.
        assert.match(result.log, /Using pip 26\.2\.1 from \S*\/deps\/0\/python\//);
        const root = await extractDroplet(droplet);
        try {
          const sp = join(
            root,
            "deps/0/python/lib",
            `python${rt.version.split(".").slice(0, 2).join(".")}`,
            "site-packages",
          );
          const pips = [...Deno.readDirSync(sp)].map((e) => e.name)
            .filter((n) => /^pip-.*\.dist-info$/.test(n));
          assert.deepEqual(pips, ["pip-26.2.1.dist-info"], "the runtime's pip was replaced");
        } finally {
          await Deno.remove(root, { recursive: true });
        }
        await withRunningApp(droplet, async (url) => {
          assert.equal(JSON.parse((await get(url)).body).version, rt.version);
        });
      } finally {
        await cleanup(result);
      }
      const restage = await stageApp(app, { manifest, env, cacheDir });
      try {
        assertStaged(restage);
        assert.match(restage.log, /pip 26\.2\.1 from the buildpack is already installed/);
        assert.match(restage.log, /requirements\.txt unchanged since the previous staging/);
      } finally {
        await cleanup(restage);
      }
    } finally {
      await Deno.remove(work, { recursive: true });
      await Deno.remove(app, { recursive: true });
    }
  },
);

Deno.test("BP_PIP_VERSION other than latest fails with how to fix it", opts, async () => {
  const manifest = testManifest([(await pythonRuntime("3.11"))!]);
  const result = await stageApp(fixture("stdlib_app"), {
    manifest,
    env: { BP_PIP_VERSION: "23.1" },
  });
  try {
    assert.notEqual(result.exitCode, 0);
    assert.match(result.log, /\*\*ERROR\*\*\S* Could not install pip: invalid pip version: 23\.1/);
    assert.match(result.log, /cf set-env <app> BP_PIP_VERSION latest/);
    assert.doesNotMatch(result.log, /Installing python/, "fails before any download");
  } finally {
    await cleanup(result);
  }
});

/** A vendored copy of vendor_app: wheels from the mirror plus one sdist (flit-core backend). */
async function vendoredApp(options: { without?: string } = {}): Promise<string> {
  const app = await copy(fixture("vendor_app"));
  const vendor = join(app, "vendor");
  await pipDownload(vendor, ["flask==3.1.3", "gunicorn==26.2.0"]);
  if (options.without) {
    for (const e of Deno.readDirSync(vendor)) {
      if (e.name.toLowerCase().startsWith(options.without + "-")) {
        await Deno.remove(join(vendor, e.name));
      }
    }
  }
  await command("tar", [
    "czf",
    join(vendor, "hello_vendored-0.1.tar.gz"),
    "-C",
    fixture("vendored_sdist"),
    "hello_vendored-0.1",
  ]);
  return app;
}

/** A cached buildpack: every dependency's uri is unreachable, its file is in dependencies/. */
async function cachedBuildpack(deps: TestDependency[], runtime: TestDependency) {
  const uriOf = (d: TestDependency) => `${CLOSED}/deps/${basename(d.tarball)}`;
  const manifest = testManifest(
    [{
      version: runtime.version,
      tarball: runtime.tarball,
      sha256: runtime.sha256,
      uri: uriOf(runtime),
    }],
    { extra: deps.map((d) => manifestItem(d, uriOf(d))).join("\n") },
  );
  const bp = await buildpackCopy({ manifest });
  for (const d of [runtime, ...deps]) {
    const md5 = createHash("md5").update(uriOf(d)).digest("hex");
    await Deno.mkdir(join(bp, "dependencies", md5), { recursive: true });
    await Deno.copyFile(d.tarball, join(bp, "dependencies", md5, basename(d.tarball)));
  }
  return { bp, manifest };
}

/** No index, no find-links, proxies pointing at a closed port. */
const OFFLINE_ENV = {
  PIP_INDEX_URL: `${CLOSED}/simple`,
  PIP_RETRIES: "0",
  PIP_TIMEOUT: "2",
  http_proxy: CLOSED,
  https_proxy: CLOSED,
  HTTP_PROXY: CLOSED,
  HTTPS_PROXY: CLOSED,
};

Deno.test(
  "vendor/ with wheels and an sdist installs with every network path closed from a cached buildpack",
  opts,
  async () => {
    const rt = (await pythonRuntime("3.11"))!;
    const work = await Deno.makeTempDir({ prefix: "e2e-vendor-" });
    const app = await vendoredApp();
    try {
      const backends = [
        await wheelDependency(work, {
          name: "setuptools",
          project: "setuptools",
          version: "84.0.0",
        }),
        await wheelDependency(work, { name: "flit-core", project: "flit-core", version: "4.1.0" }),
      ];
      const runtime = {
        name: "python",
        version: rt.version,
        tarball: rt.tarball,
        sha256: rt.sha256,
      };
      const { bp, manifest } = await cachedBuildpack(backends, runtime);
      const before = await treeDigest(app);
      const result = await stageApp(app, {
        manifest,
        buildpack: bp,
        noMirror: true,
        env: OFFLINE_ENV,
      });
      try {
        const droplet = assertStaged(result);
        assert.match(result.log, /-----> Running Pip Install \(Vendored\)/);
        assert.match(result.log, /Using the pip --no-build-isolation flag since it is available/);
        assert.match(result.log, /Using python's pip module/);
        assert.match(
          result.log,
          /Installing build backends for the source distributions in vendor\/: setuptools 84\.0\.0, flit-core 4\.1\.0/,
        );
        assert.match(result.log, /Successfully installed .*hello-vendored-0\.1/);
        assert.doesNotMatch(result.log, /Download \[/);
        assert.doesNotMatch(
          result.log,
          /127\.0\.0\.1:9\/(simple|extra)/,
          "index lines were dropped",
        );
        assert.equal(await treeDigest(app), before, "the app dir (requirements.txt) is unchanged");
        await withRunningApp(droplet, async (url) => {
          assert.equal((await get(url)).body, "Hello from a vendored sdist!\n");
        });
      } finally {
        await cleanup(result);
        await Deno.remove(bp, { recursive: true });
      }
    } finally {
      await Deno.remove(work, { recursive: true });
      await Deno.remove(app, { recursive: true });
    }
  },
);

Deno.test("vendor/ missing a wheel fails naming what is missing", opts, async () => {
  const rt = (await pythonRuntime("3.11"))!;
  const app = await vendoredApp({ without: "itsdangerous" });
  try {
    await Deno.remove(join(app, "vendor", "hello_vendored-0.1.tar.gz"));
    await Deno.writeTextFile(join(app, "requirements.txt"), "flask==3.1.3\ngunicorn==26.2.0\n");
    const result = await stageApp(app, {
      manifest: testManifest([rt]),
      noMirror: true,
      env: OFFLINE_ENV,
    });
    try {
      assert.notEqual(result.exitCode, 0);
      assert.match(
        result.log,
        /\*\*ERROR\*\*\S* Running pip install failed\. You need to include all dependencies in the vendor directory\./,
      );
      assert.match(result.log, /Not found in vendor\/: itsdangerous/);
    } finally {
      await cleanup(result);
    }
  } finally {
    await Deno.remove(app, { recursive: true });
  }
});

Deno.test(
  "Pipfile.lock without requirements.txt installs the locked packages hash-checked",
  opts,
  async () => {
    const rt = (await pythonRuntime("3.11"))!;
    const manifest = testManifest([rt]);
    const mirror = (await mirrorEnv()) ?? {};
    const app = await copy(fixture("pipfile_lock_app"));
    const cacheDir = await Deno.makeTempDir({ prefix: "e2e-cache-" });
    try {
      const before = await treeDigest(app);
      // The lock's source URL is ${MIRROR_INDEX_URL}, expanded as pipenv does.
      const env = { MIRROR_INDEX_URL: mirror.PIP_INDEX_URL ?? "", PIP_RETRIES: "0" };
      const first = await stageApp(app, { manifest, cacheDir, noMirror: true, env });
      try {
        const droplet = assertStaged(first);
        assert.match(first.log, /Pipfile\.lock asks for 3\.11/);
        assert.match(first.log, /Generating 'requirements\.txt' from Pipfile\.lock/);
        assert.match(first.log, /Successfully installed .*flask-3\.1\.3/);
        assert.doesNotMatch(first.log, /pytest/, "develop packages are not installed");
        assert.equal(await treeDigest(app), before, "nothing is written into the app dir");
        await withRunningApp(droplet, async (url) => {
          assert.equal((await get(url)).body, "Hello, World!\n");
        });
      } finally {
        await cleanup(first);
      }
      const second = await stageApp(app, { manifest, cacheDir, noMirror: true, env });
      try {
        assertStaged(second);
        assert.match(second.log, /Pipfile\.lock unchanged since the previous staging/);
      } finally {
        await cleanup(second);
      }
    } finally {
      await Deno.remove(app, { recursive: true });
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

Deno.test("a Pipfile.lock hash that does not match fails pip's hash check", opts, async () => {
  const mirror = (await mirrorEnv()) ?? {};
  const app = await copy(fixture("pipfile_lock_app"));
  try {
    const lock = JSON.parse(await Deno.readTextFile(join(app, "Pipfile.lock")));
    lock.default.blinker.hashes = ["sha256:" + "0".repeat(64)];
    await Deno.writeTextFile(join(app, "Pipfile.lock"), JSON.stringify(lock));
    const result = await stageApp(app, {
      manifest: testManifest([(await pythonRuntime("3.11"))!]),
      noMirror: true,
      env: { MIRROR_INDEX_URL: mirror.PIP_INDEX_URL ?? "", PIP_RETRIES: "0" },
    });
    try {
      assert.notEqual(result.exitCode, 0);
      assert.match(result.log, /THESE PACKAGES DO NOT MATCH THE HASHES/);
      assert.match(result.log, /blinker/);
    } finally {
      await cleanup(result);
    }
  } finally {
    await Deno.remove(app, { recursive: true });
  }
});

Deno.test("a Pipfile without Pipfile.lock fails saying to run pipenv lock", opts, async () => {
  const app = await copy(fixture("pipfile_lock_app"));
  try {
    await Deno.remove(join(app, "Pipfile.lock"));
    const result = await stageApp(app, {
      manifest: testManifest([(await pythonRuntime("3.11"))!]),
    });
    try {
      assert.notEqual(result.exitCode, 0);
      assert.match(
        result.log,
        /\*\*ERROR\*\*\S* Could not install packages: the app has a Pipfile but no Pipfile\.lock/,
      );
      assert.match(result.log, /Run `pipenv lock`/);
    } finally {
      await cleanup(result);
    }
  } finally {
    await Deno.remove(app, { recursive: true });
  }
});

/**
 * An NLTK data server on 127.0.0.1 (index.xml plus one corpus zip, in the
 * downloader's format), reached as an HTTP proxy for the host `nltk-data.invalid`:
 * nltk 3.10 refuses to fetch from loopback or private addresses itself, and
 * fetches through a proxy only when NLTK_ALLOW_PROXIED_URLOPEN=1 says the
 * proxy is trusted, which is how a private corpus mirror is reached.
 */
function nltkServer(): {
  env: Record<string, string>;
  requests: string[];
  close: () => Promise<void>;
} {
  const zip = zipSync({ "tiny_corpus/hello.txt": new TextEncoder().encode("hello from nltk\n") });
  const requests: string[] = [];
  const base = "http://nltk-data.invalid";
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, (req): Response => {
    const path = new URL(req.url).pathname;
    requests.push(path);
    if (path === "/packages/corpora/tiny_corpus.zip") return new Response(zip);
    if (path !== "/index.xml") return new Response("not found", { status: 404 });
    const sha256 = createHash("sha256").update(zip).digest("hex");
    const md5 = createHash("md5").update(zip).digest("hex");
    return new Response(
      `<?xml version="1.0"?>\n<nltk_data>\n<packages>\n` +
        `<package id="tiny_corpus" name="A tiny corpus" subdir="corpora" unzip="1" ` +
        `url="${base}/packages/corpora/tiny_corpus.zip" size="${zip.length}" ` +
        `unzipped_size="16" checksum="${md5}" sha256_checksum="${sha256}" />\n` +
        `</packages>\n<collections>\n</collections>\n</nltk_data>\n`,
      { headers: { "content-type": "text/xml" } },
    );
  });
  const proxy = `http://127.0.0.1:${server.addr.port}`;
  return {
    env: {
      NLTK_DOWNLOAD_URL: `${base}/index.xml`,
      NLTK_ALLOW_PROXIED_URLOPEN: "1",
      http_proxy: proxy,
    },
    requests,
    close: () => server.shutdown(),
  };
}

Deno.test(
  "nltk.txt corpora are downloaded into deps and found at runtime via NLTK_DATA",
  opts,
  async () => {
    const manifest = testManifest([(await pythonRuntime("3.11"))!]);
    const server = nltkServer();
    try {
      const result = await stageApp(fixture("nltk_app"), { manifest, env: server.env });
      try {
        const droplet = assertStaged(result);
        assert.match(result.log, /Downloading NLTK packages: tiny_corpus/);
        assert.ok(server.requests.includes("/packages/corpora/tiny_corpus.zip"));
        await withRunningApp(droplet, async (url, log) => {
          const res = await get(url);
          assert.equal(res.status, 200, log());
          assert.match(res.body, /\/home\/vcap\/deps\/0\/python\/nltk_data\nhello from nltk\n$/);
        });
      } finally {
        await cleanup(result);
      }
      const bad = await copy(fixture("nltk_app"));
      try {
        await Deno.writeTextFile(join(bad, "nltk.txt"), "no_such_corpus\n");
        const failed = await stageApp(bad, { manifest, env: server.env });
        try {
          assert.notEqual(failed.exitCode, 0);
          assert.match(
            failed.log,
            /\*\*ERROR\*\*\S* Could not download the NLTK packages listed in nltk\.txt \(no_such_corpus\)/,
          );
        } finally {
          await cleanup(failed);
        }
      } finally {
        await Deno.remove(bad, { recursive: true });
      }
    } finally {
      await server.close();
    }
  },
);
