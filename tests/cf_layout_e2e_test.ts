/**
 * End to end with a runtime shaped like the official Cloud Foundry tarballs
 * (`python-dep --cf-layout`): no RUNPATH, so the app runs only if the
 * buildpack's LD_LIBRARY_PATH is right; Tcl/Tk under
 * `python/usr/lib/x86_64-linux-gnu`; and what compilers need at staging.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cfLayoutRuntime, newestOfMinor, testManifest } from "./support/runtimes.ts";
import { mirrorEnv } from "./support/pip_mirror.ts";
import {
  assertBytecode,
  assertStaged,
  cleanup,
  extractDroplet,
  get,
  REPO,
  stageApp,
  stdlibPycKinds,
  withRunningApp,
} from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const opts = e2eOptions("CF-layout runtime");

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

async function command(program: string, args: string[], env?: Record<string, string>) {
  const out = await new Deno.Command(program, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`${program} ${args.join(" ")} failed:\n${text(out.stdout)}${text(out.stderr)}`);
  }
  return text(out.stdout);
}

/** Whether the pyenv CPython 3.11 the runtime is built from has `_tkinter`. */
function pyenvHasTkinter(): string | undefined {
  try {
    const run = (args: string[]) =>
      text(new Deno.Command("pyenv", { args, stdout: "piped" }).outputSync().stdout).trim();
    const version = newestOfMinor(run(["versions", "--bare"]), "3.11");
    if (!version) return "no pyenv CPython 3.11";
    const dynload = join(run(["prefix", version]), "lib", "python3.11", "lib-dynload");
    const found = [...Deno.readDirSync(dynload)].some((e) => e.name.startsWith("_tkinter."));
    return found ? undefined : `pyenv's CPython ${version} was built without _tkinter (tk-dev)`;
  } catch (e) {
    return `cannot look for _tkinter: ${e instanceof Error ? e.message : e}`;
  }
}

/**
 * Text files (no NUL in their first 8 KB) of the droplet that name
 * `stagingRoot`, under which the emulator kept the build and deps dirs: at
 * runtime the droplet lives elsewhere, so such a path is dead or wrong.
 * `deps/<i>/env/*` are left out: by the multi-buildpack contract they hold
 * staging paths for later buildpacks' staging and no launcher reads them.
 */
async function stagingPathsIn(droplet: string, stagingRoot: string): Promise<string[]> {
  const root = await extractDroplet(droplet);
  const found: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for await (const e of Deno.readDir(join(root, rel))) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(child);
      if (!e.isFile || /^deps\/\d+\/env\//.test(child)) continue;
      const bytes = await Deno.readFile(join(root, child));
      if (bytes.subarray(0, 8192).includes(0)) continue;
      if (text(bytes).includes(stagingRoot)) found.push(child);
    }
  };
  try {
    await walk("");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
  return found;
}

/** Rewrite a droplet with `edit` applied to its extracted tree. */
async function editedDroplet(droplet: string, edit: (root: string) => Promise<void>) {
  const root = await extractDroplet(droplet);
  try {
    await edit(root);
    const out = join(await Deno.makeTempDir({ prefix: "e2e-droplet-edit-" }), "droplet.tgz");
    await command("tar", ["czf", out, "-C", root, "."]);
    return out;
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test(
  "examples/flask_app runs on a CF-layout runtime, and only thanks to LD_LIBRARY_PATH",
  opts,
  async () => {
    const rt = (await cfLayoutRuntime("3.11"))!;
    const cacheDir = await Deno.makeTempDir({ prefix: "e2e-cache-" });
    const result = await stageApp(join(REPO, "examples", "flask_app"), {
      manifest: testManifest([rt]),
      cacheDir,
      env: { BP_DEBUG: "1" }, // the compilers' DEBUG lines
    });
    let broken: string | undefined;
    try {
      const droplet = assertStaged(result);
      // The tarball ships no bytecode (as the official ones): what pip imports was
      // compiled beside pip, as unchecked-hash files (only the buildpack's compiler
      // writes those; how many depends on how far pip got meanwhile: 64 to ~370
      // seen), and the rest by pip's imports.
      const kinds = await stdlibPycKinds(droplet);
      assert.ok(kinds.unchecked > 0, `compiled beside pip: ${JSON.stringify(kinds)}`);
      assert.match(result.log, /Compiled \d+ of \d+ modules beside pip/);
      // And the app's packages by the other compiler beside pip, as pip would have.
      assert.match(result.log, /Compiled [1-9]\d* modules of the installed packages beside pip/);
      await assertBytecode(droplet, ["flask", "werkzeug", "jinja2", "gunicorn"]);
      // The app cache got the tree with that bytecode (its copy began once the
      // compiler was done): a restage reuses it as saved.
      const again = await stageApp(join(REPO, "examples", "flask_app"), {
        manifest: testManifest([rt]),
        cacheDir,
      });
      try {
        assertStaged(again);
        assert.match(again.log, /Reusing the Python environment from the previous staging/);
        assert.doesNotMatch(again.log, /damaged/);
        assert.deepEqual(await stdlibPycKinds(again.dropletPath!), kinds, "the same bytecode");
      } finally {
        await cleanup(again);
      }
      await withRunningApp(droplet, async (url, log) => {
        const hello = await get(url + "/");
        assert.equal(hello.status, 200, log());
        assert.equal(hello.body, "Hello, World!\n");
        const info = JSON.parse((await get(url + "/python")).body);
        assert.equal(info.version, rt.version, "the packaged libpython, not the host's 3.11.2");
      });
      assert.deepEqual(await stagingPathsIn(droplet, result.workDir), []);
      // The same droplet with profile.d's LD_LIBRARY_PATH line removed: the
      // runtime cannot find its libpython, so the test above really bites.
      broken = await editedDroplet(droplet, async (root) => {
        for (const e of Deno.readDirSync(join(root, "profile.d"))) {
          const path = join(root, "profile.d", e.name);
          const script = await Deno.readTextFile(path);
          await Deno.writeTextFile(
            path,
            script.split("\n").filter((l) => !l.includes("LD_LIBRARY_PATH")).join("\n"),
          );
        }
      });
      let version: string | undefined;
      try {
        await withRunningApp(broken, async (url) => {
          version = JSON.parse((await get(url + "/python")).body).version;
        });
      } catch (e) {
        version = `failed to start: ${e instanceof Error ? e.message.split("\n")[0] : e}`;
      }
      console.log(`  without LD_LIBRARY_PATH the app reports: ${version}`);
      assert.notEqual(version, rt.version, "without LD_LIBRARY_PATH it must not run as packaged");
    } finally {
      await cleanup(result);
      await Deno.remove(cacheDir, { recursive: true });
      if (broken) await Deno.remove(join(broken, ".."), { recursive: true });
    }
  },
);

const SETUP_PY = `
import os
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class probing_build_ext(build_ext):
    """Probe first with a bare compiler, like packages with configure-style
    checks do: no include dirs from sysconfig, so Python.h must come from
    the buildpack's CPATH."""

    def run(self):
        from distutils.ccompiler import new_compiler

        tmp = tempfile.mkdtemp()
        probe = os.path.join(tmp, "probe.c")
        with open(probe, "w") as f:
            f.write("#include <Python.h>\\nint probe(void) { return PY_MAJOR_VERSION; }\\n")
        new_compiler().compile([probe], output_dir=tmp)
        super().run()


setup(
    name="hello_ext",
    version="1.0",
    ext_modules=[Extension("hello_ext", ["hello_ext.c"])],
    cmdclass={"build_ext": probing_build_ext},
)
`;

const HELLO_C = `#include <Python.h>

static PyObject *greet(PyObject *self, PyObject *args) {
    return PyUnicode_FromString("hello from C");
}

static PyMethodDef methods[] = {
    {"greet", greet, METH_NOARGS, "Say hello."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "hello_ext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_hello_ext(void) { return PyModule_Create(&module); }
`;

const APP_PY = `import json

from flask import Flask

import hello_ext

app = Flask(__name__)


@app.route("/")
def hello():
    return hello_ext.greet()


@app.route("/tk")
def tk():
    try:
        import tkinter
    except ImportError as e:
        return json.dumps({"error": str(e)})
    with open("/proc/self/maps") as f:
        libs = sorted({l.split()[-1] for l in f if "libtcl" in l or "libtk" in l})
    return json.dumps({"tcl": tkinter.TclVersion, "libs": libs})
`;

/** An app whose vendor/ holds the mirror's wheels and a C-extension sdist written here. */
async function cExtensionApp(): Promise<string> {
  const app = await Deno.makeTempDir({ prefix: "e2e-cext-app-" });
  await Deno.writeTextFile(join(app, "app.py"), APP_PY);
  await Deno.writeTextFile(join(app, "Procfile"), "web: gunicorn app:app --bind 0.0.0.0:$PORT\n");
  await Deno.writeTextFile(
    join(app, "requirements.txt"),
    "flask==3.1.3\ngunicorn==26.2.0\nhello_ext==1.0\n",
  );
  const vendor = join(app, "vendor");
  const host = (await command("pyenv", ["which", "python3.11"])).trim();
  await command(host, [
    "-m",
    "pip",
    "download",
    "--quiet",
    "--only-binary=:all:",
    "-d",
    vendor,
    "flask==3.1.3",
    "gunicorn==26.2.0",
  ], { ...Deno.env.toObject(), ...(await mirrorEnv()) });
  const sdist = join(app, ".sdist", "hello_ext-1.0");
  await Deno.mkdir(sdist, { recursive: true });
  await Deno.writeTextFile(join(sdist, "setup.py"), SETUP_PY);
  await Deno.writeTextFile(join(sdist, "hello_ext.c"), HELLO_C);
  await Deno.writeTextFile(
    join(sdist, "PKG-INFO"),
    "Metadata-Version: 2.1\nName: hello_ext\nVersion: 1.0\n",
  );
  await command("tar", [
    "czf",
    join(vendor, "hello_ext-1.0.tar.gz"),
    "-C",
    join(sdist, ".."),
    "hello_ext-1.0",
  ]);
  await Deno.remove(join(app, ".sdist"), { recursive: true });
  return app;
}

/** The mirror's setuptools wheel as a manifest build-backend dependency. */
async function setuptoolsDependency(dir: string): Promise<string> {
  const wheels = join(dir, "setuptools-wheel");
  const host = (await command("pyenv", ["which", "python3.11"])).trim();
  await command(host, [
    "-m",
    "pip",
    "download",
    "--quiet",
    "--only-binary=:all:",
    "--no-deps",
    "-d",
    wheels,
    "setuptools==84.0.0",
  ], { ...Deno.env.toObject(), ...(await mirrorEnv()) });
  const tarball = join(dir, "setuptools_84.0.0_linux_noarch_cflinuxfs4.tgz");
  await command("tar", ["czf", tarball, "-C", wheels, "."]);
  const sha256 = (await command("sha256sum", [tarball])).split(" ")[0];
  return [
    "- name: setuptools",
    "  version: 84.0.0",
    `  uri: file://${tarball}`,
    `  sha256: ${sha256}`,
    "  cf_stacks: [cflinuxfs4]",
  ].join("\n");
}

Deno.test(
  "a C-extension sdist from vendor/ builds at staging against the runtime's headers",
  opts,
  async () => {
    const rt = (await cfLayoutRuntime("3.11"))!;
    const work = await Deno.makeTempDir({ prefix: "e2e-cext-" });
    const app = await cExtensionApp();
    try {
      const manifest = testManifest([rt], { extra: await setuptoolsDependency(work) });
      const result = await stageApp(app, { manifest });
      try {
        const droplet = assertStaged(result);
        assert.match(result.log, /Running Pip Install \(Vendored\)/);
        assert.match(result.log, /Successfully installed .*hello[-_]ext-1\.0/);
        await withRunningApp(droplet, async (url, log) => {
          const hello = await get(url + "/");
          assert.equal(hello.status, 200, log());
          assert.equal(hello.body, "hello from C");
        });
        assert.deepEqual(await stagingPathsIn(droplet, result.workDir), []);
      } finally {
        await cleanup(result);
      }
    } finally {
      await Deno.remove(work, { recursive: true });
      await Deno.remove(app, { recursive: true });
    }
  },
);

const noTk = opts.ignore ? undefined : pyenvHasTkinter();
if (noTk) console.log(`tkinter e2e test skipped: ${noTk}`);

Deno.test(
  "tkinter imports at runtime with the Tcl/Tk the runtime bundles",
  { ...opts, ignore: opts.ignore || noTk !== undefined },
  async () => {
    const rt = (await cfLayoutRuntime("3.11"))!;
    const app = await Deno.makeTempDir({ prefix: "e2e-tk-app-" });
    try {
      await Deno.writeTextFile(
        join(app, "app.py"),
        APP_PY.replace("import hello_ext\n", "").replace("return hello_ext.greet()", 'return "ok"'),
      );
      await Deno.writeTextFile(
        join(app, "Procfile"),
        "web: gunicorn app:app --bind 0.0.0.0:$PORT\n",
      );
      await Deno.writeTextFile(join(app, "requirements.txt"), "flask==3.1.3\ngunicorn==26.2.0\n");
      const result = await stageApp(app, { manifest: testManifest([rt]) });
      try {
        const droplet = assertStaged(result);
        const root = await extractDroplet(droplet);
        try {
          const link = await Deno.readLink(join(root, "deps", "0", "lib", "libtcl8.6.so"));
          assert.equal(link, "../python/usr/lib/x86_64-linux-gnu/libtcl8.6.so");
        } finally {
          await Deno.remove(root, { recursive: true });
        }
        await withRunningApp(droplet, async (url, log) => {
          const res = await get(url + "/tk");
          assert.equal(res.status, 200, log());
          const tk = JSON.parse(res.body);
          assert.equal(tk.error, undefined, res.body);
          assert.ok(tk.libs.length >= 2, res.body);
          for (const lib of tk.libs) {
            assert.match(lib, /\/deps\/0\/python\/usr\/lib\/x86_64-linux-gnu\/libt(cl|k)/);
          }
        });
      } finally {
        await cleanup(result);
      }
    } finally {
      await Deno.remove(app, { recursive: true });
    }
  },
);
