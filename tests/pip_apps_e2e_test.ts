/**
 * End to end: real apps staged through the emulator with a real CPython
 * runtime (built from a local pyenv install), real pip against the local
 * mirror, then started from a droplet extracted at a DIFFERENT root and
 * asked over HTTP.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pythonRuntime, testManifest } from "./support/runtimes.ts";
import { copy } from "./support/files.ts";
import {
  assertStaged,
  cleanup,
  extractDroplet,
  fixture,
  get,
  REPO,
  stageApp,
  withRunningApp,
} from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const opts = e2eOptions("pip app");

async function manifest311(): Promise<{ text: string; version: string }> {
  const rt = (await pythonRuntime("3.11"))!;
  return { text: testManifest([rt]), version: rt.version };
}

/** Files whose staging paths would break the app at runtime. */
async function leakedStagingPaths(root: string): Promise<string[]> {
  const found: string[] = [];
  const scan = async (dir: string, pick: (name: string) => boolean) => {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory) continue;
      if (!e.isFile || !pick(e.name)) continue;
      const text = await Deno.readTextFile(path).catch(() => "");
      if (/\/tmp\/[^\s"']*\/(?:deps|app)\b|\/contents\d*\//.test(text)) found.push(path);
    }
  };
  await scan(join(root, "deps", "0", "python", "bin"), () => true);
  const lib = join(root, "deps", "0", "python", "lib");
  for await (const e of Deno.readDir(lib)) {
    if (e.name.startsWith("python3.")) {
      await scan(
        join(lib, e.name, "site-packages"),
        (n) => n.endsWith(".pth") || n.startsWith("__editable__"),
      );
    }
  }
  await scan(join(root, "profile.d"), () => true);
  return found;
}

Deno.test("a Flask + gunicorn app stages and answers HTTP from another root", opts, async () => {
  const m = await manifest311();
  const result = await stageApp(join(REPO, "examples", "flask_app"), { manifest: m.text });
  try {
    const droplet = assertStaged(result);
    assert.match(result.log, /-----> Python Buildpack version /);
    assert.match(
      result.log,
      new RegExp(`-----> Installing python ${m.version.replaceAll(".", "\\.")}`),
    );
    assert.match(result.log, /Successfully installed .*flask-3/);
    assert.match(result.log, /Python buildpack finished in \d+\.\d\d s/);
    await withRunningApp(droplet, async (url, log) => {
      const hello = await get(url + "/");
      assert.equal(hello.status, 200, log());
      assert.equal(hello.body, "Hello, World!\n");
      const info = JSON.parse((await get(url + "/python")).body);
      assert.equal(info.version, m.version, "runs the buildpack's runtime, not the host's");
      assert.match(info.prefix, /\/home\/vcap\/deps\/0\/python$/);
      assert.match(log(), /GET \/ HTTP/, "gunicorn access log is on (GUNICORN_CMD_ARGS)");
    });
    const root = await extractDroplet(droplet);
    try {
      assert.deepEqual(await leakedStagingPaths(root), []);
      const gunicorn = await Deno.readTextFile(join(root, "deps", "0", "bin", "gunicorn"));
      assert.ok(gunicorn.startsWith("#!/usr/bin/env python3\n"));
      assert.equal(
        await Deno.readLink(join(root, "deps", "0", "bin", "gunicorn")),
        "../python/bin/gunicorn",
      );
      const sbom = JSON.parse(await Deno.readTextFile(join(root, "deps", "0", "sbom.cdx.json")));
      assert.equal(sbom.bomFormat, "CycloneDX");
      const names = sbom.components.map((c: { name: string; version: string }) =>
        `${c.name} ${c.version}`
      );
      assert.ok(names.some((n: string) => /^flask 3\.1\.3$/i.test(n)), names.join(", "));
      assert.ok(names.some((n: string) => /python 3\.11\.\d+$/i.test(n)), names.join(", "));
      assert.match(
        result.log,
        /CycloneDX SBOM of the installed packages: deps\/0\/sbom\.cdx\.json/,
      );
      const profile = await Deno.readTextFile(join(root, "profile.d", "0_python.sh"));
      assert.match(profile, /export PYTHONHOME=\$DEPS_DIR\/0\/python/);
      assert.match(
        await Deno.readTextFile(join(root, "profile.d", "000_multi-supply.sh")),
        /\$DEPS_DIR\/0\/bin/,
      );
      // supply and finalize left the app byte-for-byte as pushed
      for (const f of ["app.py", "requirements.txt", "Procfile"]) {
        assert.deepEqual(
          await Deno.readFile(join(root, "app", f)),
          await Deno.readFile(join(REPO, "examples", "flask_app", f)),
        );
      }
      const appFiles = [...Deno.readDirSync(join(root, "app"))].map((e) => e.name).sort();
      assert.deepEqual(appFiles, ["Procfile", "app.py", "requirements.txt"]);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  } finally {
    await cleanup(result);
  }
});

Deno.test("a stdlib-only app with an empty requirements.txt", opts, async () => {
  const m = await manifest311();
  const result = await stageApp(fixture("stdlib_app"), { manifest: m.text });
  try {
    const droplet = assertStaged(result);
    assert.match(result.log, /requirements.txt lists no packages: nothing to install/);
    await withRunningApp(droplet, async (url) => {
      const info = JSON.parse((await get(url)).body);
      assert.equal(info.hello, "stdlib");
      assert.equal(info.version, m.version);
      assert.match(info.prefix, /\/home\/vcap\/deps\/0\/python$/);
    });
  } finally {
    await cleanup(result);
  }
});

Deno.test(
  "a setup.py app without requirements.txt is installed with its console script",
  opts,
  async () => {
    const m = await manifest311();
    const result = await stageApp(fixture("setup_py_app"), { manifest: m.text });
    try {
      const droplet = assertStaged(result);
      assert.match(result.log, /Successfully installed hello-pkg-1\.0\.0/);
      await withRunningApp(droplet, async (url) => {
        const res = await get(url);
        assert.equal(res.status, 200);
        assert.match(
          res.body,
          /^hello from an installed package at .*\/home\/vcap\/deps\/0\/python\/lib\/python3\.11\/site-packages\/hello_pkg\/__init__\.py/,
        );
      });
    } finally {
      await cleanup(result);
    }
  },
);

Deno.test(
  "nested -r with -e . installs the app editable, relocated to the runtime app dir",
  opts,
  async () => {
    const m = await manifest311();
    const app = await copy(fixture("setup_py_app"));
    try {
      await Deno.mkdir(join(app, "reqs"));
      await Deno.writeTextFile(join(app, "requirements.txt"), "-r reqs/base.txt\n");
      await Deno.writeTextFile(join(app, "reqs", "base.txt"), "-e .\n");
      const result = await stageApp(app, { manifest: m.text });
      try {
        const droplet = assertStaged(result);
        assert.match(result.log, /Successfully installed hello-pkg-1\.0\.0/);
        await withRunningApp(droplet, async (url) => {
          const res = await get(url);
          assert.equal(res.status, 200);
          // editable: the code is imported from the app dir, at its runtime location
          assert.match(
            res.body,
            /^hello from an installed package at \/\S*\/home\/vcap\/app\/hello_pkg\/__init__\.py/,
          );
        });
        const root = await extractDroplet(droplet);
        try {
          assert.deepEqual(await leakedStagingPaths(root), []);
        } finally {
          await Deno.remove(root, { recursive: true });
        }
      } finally {
        await cleanup(result);
      }
    } finally {
      await Deno.remove(app, { recursive: true });
    }
  },
);
