/**
 * End to end: a cached (offline) buildpack takes its runtime from
 * `dependencies/<md5 of uri>/<basename>` with every network path closed, and
 * an upgraded buildpack takes it from the app cache instead of downloading.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { pythonRuntime, testManifest } from "./support/runtimes.ts";
import { buildpackCopy } from "./support/buildpack_copy.ts";
import {
  assertStaged,
  cleanup,
  fixture,
  get,
  stageApp,
  withRunningApp,
} from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const opts = e2eOptions("offline");

Deno.test(
  "a cached buildpack stages from dependencies/ with the network closed",
  opts,
  async () => {
    const rt = (await pythonRuntime("3.11"))!;
    // An address that refuses connections: any download attempt fails at once.
    const uri = `http://127.0.0.1:9/buildpacks/${rt.tarball.split("/").pop()}`;
    const bp = await buildpackCopy({ manifest: testManifest([{ ...rt, uri }]) });
    try {
      const md5 = createHash("md5").update(uri).digest("hex");
      await Deno.mkdir(join(bp, "dependencies", md5), { recursive: true });
      await Deno.copyFile(rt.tarball, join(bp, "dependencies", md5, rt.tarball.split("/").pop()!));
      const result = await stageApp(fixture("stdlib_app"), {
        manifest: testManifest([{ ...rt, uri }]),
        buildpack: bp,
        env: { http_proxy: "http://127.0.0.1:9", https_proxy: "http://127.0.0.1:9" },
      });
      try {
        const droplet = assertStaged(result);
        assert.match(result.log, new RegExp(`Copy \\[.*/dependencies/${md5}/python_`));
        assert.doesNotMatch(result.log, /Download \[/);
        await withRunningApp(droplet, async (url) => {
          assert.equal(JSON.parse((await get(url)).body).version, rt.version);
        });
      } finally {
        await cleanup(result);
      }
    } finally {
      await Deno.remove(bp, { recursive: true });
    }
  },
);

Deno.test(
  "after a buildpack upgrade the runtime comes from the app cache (Copy, not Download)",
  opts,
  async () => {
    const rt = (await pythonRuntime("3.11"))!;
    const manifest = testManifest([rt]);
    const cacheDir = await Deno.makeTempDir({ prefix: "e2e-cache-" });
    const upgraded = await buildpackCopy({ manifest, version: "99.0.0" });
    try {
      const first = await stageApp(fixture("stdlib_app"), { manifest, cacheDir });
      assertStaged(first);
      await cleanup(first);
      assert.match(first.log, /Download \[file:/);
      const second = await stageApp(fixture("stdlib_app"), {
        manifest,
        cacheDir,
        buildpack: upgraded,
      });
      try {
        assertStaged(second);
        assert.match(
          second.log,
          /\*\*WARNING\*\*.* buildpack version changed from 0\.1\.0 to 99\.0\.0|buildpack version changed from .* to 99\.0\.0/,
        );
        assert.match(
          second.log,
          /Not reusing the cached Python environment: the buildpack version changed/,
        );
        assert.match(
          second.log,
          /Copy \[\S*\/tmp\/cache\/final\/dependencies\/[0-9a-f]{64}\/python_/,
        );
        assert.doesNotMatch(second.log, /Download \[/);
      } finally {
        await cleanup(second);
      }
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
      await Deno.remove(upgraded, { recursive: true });
    }
  },
);
