/**
 * End to end: a supply killed with SIGKILL at any moment, then a restage
 * with the same app cache, ends in a working app. The cache here stays in
 * place between the runs (harsher than the platform, which keeps a cache
 * only from a successful staging): whatever the kill left must be reused
 * only if it is whole. Also: a damaged cache (files lost, an emptied
 * python3, a record of the wrong shape) is a warning and a fresh install,
 * and BP_CLEAN_INSTALL ignores the cache for one staging.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pythonRuntime, testManifest } from "./support/runtimes.ts";
import { buildpackCopy } from "./support/buildpack_copy.ts";
import { copy } from "./support/files.ts";
import { mirrorEnv } from "./support/pip_mirror.ts";
import { assertStaged, cleanup, get, REPO, stageApp, withRunningApp } from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";
import { runSupply } from "./support/direct_supply.ts";

const opts = e2eOptions("interrupted staging");

async function importsWork(depsDir: string, app: string): Promise<boolean> {
  const python = join(depsDir, "0", "python");
  const out = await new Deno.Command(join(python, "bin", "python3"), {
    args: ["-c", "import app, gunicorn; print(app.app.name)"],
    cwd: app,
    clearEnv: true,
    env: {
      PATH: "/usr/bin:/bin",
      LD_LIBRARY_PATH: join(python, "lib"),
      PYTHONHOME: python,
      HOME: app,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return out.success;
}

Deno.test(
  "supply killed at any point, then restaged with the same cache, gives a working app",
  opts,
  async () => {
    const manifest = testManifest([(await pythonRuntime("3.11"))!]);
    const buildpack = await buildpackCopy({ manifest });
    const app = await copy(join(REPO, "examples", "flask_app"));
    const cache = await Deno.makeTempDir({ prefix: "e2e-cache-" });
    const env = { ...Deno.env.toObject(), ...((await mirrorEnv()) ?? {}) };
    delete env.PIP_CONFIG_FILE;
    const requirements = join(app, "requirements.txt");
    const pinned = await Deno.readTextFile(requirements);
    try {
      // Where supply is killed, and with which cache: empty (cold) or complete (warm),
      // optionally with changed requirements (an incremental install).
      const points: { killAt: RegExp; cache: "cold" | "warm"; extra?: string }[] = [
        { killAt: /Download \[/, cache: "cold" }, // extracting the runtime
        { killAt: /Collecting |Processing /, cache: "cold" }, // pip resolving and fetching
        { killAt: /Installing collected packages/, cache: "cold" }, // pip writing site-packages
        { killAt: /Saving the Python environment to the app cache/, cache: "cold" },
        { killAt: /Reusing the Python environment/, cache: "warm" }, // the cache just moved
        { killAt: /(Collecting|Processing) .*six/, cache: "warm", extra: "six\n" }, // incremental
        { killAt: /Saving the Python environment to the app cache/, cache: "warm", extra: "six\n" },
      ];
      for (const point of points) {
        const what = `a kill at ${point.killAt} (${point.cache} cache${
          point.extra ? ", changed requirements" : ""
        })`;
        await Deno.writeTextFile(requirements, pinned);
        if (point.cache === "cold") {
          await Deno.remove(cache, { recursive: true });
          await Deno.mkdir(cache);
        } else {
          const deps = await Deno.makeTempDir({ prefix: "e2e-deps-" });
          const warmup = await runSupply(buildpack, { app, cache, deps }, { env });
          await Deno.remove(deps, { recursive: true });
          assert.equal(warmup.code, 0, warmup.log);
        }
        await Deno.writeTextFile(requirements, pinned + (point.extra ?? ""));
        const deps = await Deno.makeTempDir({ prefix: "e2e-deps-" });
        try {
          const run = await runSupply(buildpack, { app, cache, deps }, {
            env,
            killAt: point.killAt,
          });
          assert.ok(run.killed, `${what} never happened:\n${run.log}`);
          assert.notEqual(run.code, 0);
        } finally {
          await Deno.remove(deps, { recursive: true });
        }
        const deps2 = await Deno.makeTempDir({ prefix: "e2e-deps-" });
        try {
          const run = await runSupply(buildpack, { app, cache, deps: deps2 }, { env });
          assert.equal(run.code, 0, `restage after ${what}:\n${run.log}`);
          assert.ok(await importsWork(deps2, app), `the app's imports after ${what}`);
        } finally {
          await Deno.remove(deps2, { recursive: true });
        }
      }
    } finally {
      await Deno.remove(buildpack, { recursive: true });
      await Deno.remove(app, { recursive: true });
      await Deno.remove(cache, { recursive: true });
    }
  },
);

/** Unpack the emulator's app cache, let `change` damage `final/`, pack it again. */
async function damageCache(cacheDir: string, change: (final: string) => Promise<void>) {
  const file = join(cacheDir, "app-cache.tgz");
  const dir = await Deno.makeTempDir({ prefix: "e2e-cache-tree-" });
  try {
    const tar = (args: string[]) => new Deno.Command("tar", { args }).output();
    assert.ok((await tar(["xzf", file, "-C", dir])).success);
    await change(join(dir, "final"));
    assert.ok((await tar(["czf", file, "-C", dir, "."])).success);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test(
  "a damaged cache is a warning and a fresh install; BP_CLEAN_INSTALL ignores it",
  opts,
  async () => {
    const manifest = testManifest([(await pythonRuntime("3.11"))!]);
    const app = await copy(join(REPO, "examples", "flask_app"));
    const cacheDir = await Deno.makeTempDir({ prefix: "e2e-cache-" });
    try {
      assertStaged(
        await stageApp(app, { manifest, cacheDir }).then(async (r) => {
          await cleanup(r);
          return r;
        }),
      );
      const env = join("python-env", "lib", "python3.11", "site-packages");
      const damages: [string, (final: string) => Promise<void>, RegExp][] = [
        ["half of flask's files lost", async (final) => {
          const flask = join(final, env, "flask");
          const files = [...Deno.readDirSync(flask)].filter((e) => e.isFile);
          for (const f of files.slice(0, Math.ceil(files.length / 2))) {
            await Deno.remove(join(flask, f.name));
          }
        }, /The cached Python environment is damaged: its files differ/],
        ["python3 emptied", async (final) => {
          const bin = join(final, "python-env", "bin");
          const target = Deno.realPathSync(join(bin, "python3"));
          await Deno.truncate(target, 0);
        }, /The cached Python environment is damaged: its files differ/],
        ["a record with null fields", async (final) => {
          const record = join(final, "python-env", ".buildpack-env.json");
          const data = JSON.parse(await Deno.readTextFile(record));
          await Deno.writeTextFile(record, JSON.stringify({ ...data, runtime: null, tree: null }));
        }, /Successfully installed .*flask-3\.1\.3/],
      ];
      for (const [what, change, expected] of damages) {
        await damageCache(cacheDir, change);
        const result = await stageApp(app, { manifest, cacheDir });
        try {
          const droplet = assertStaged(result);
          assert.match(result.log, expected, what);
          assert.doesNotMatch(result.log, /Reusing the Python environment/, what);
          await withRunningApp(droplet, async (url) => {
            assert.equal((await get(url)).body, "Hello, World!\n", what);
          });
        } finally {
          await cleanup(result);
        }
        // The fresh install was saved: the next staging reuses it.
        const next = await stageApp(app, { manifest, cacheDir });
        try {
          assertStaged(next);
          assert.match(next.log, /Reusing the Python environment/, `after: ${what}`);
        } finally {
          await cleanup(next);
        }
      }
      const clean = await stageApp(app, { manifest, cacheDir, env: { BP_CLEAN_INSTALL: "1" } });
      try {
        assertStaged(clean);
        assert.match(
          clean.log,
          /BP_CLEAN_INSTALL is set: the cached Python environment is not reused/,
        );
        assert.match(
          clean.log,
          /Not reusing the cached Python environment: BP_CLEAN_INSTALL is set/,
        );
        assert.match(clean.log, /Successfully installed .*flask-3\.1\.3/);
      } finally {
        await cleanup(clean);
      }
    } finally {
      await Deno.remove(app, { recursive: true });
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);
