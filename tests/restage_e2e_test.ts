/**
 * End to end: restaging with the app cache. An unchanged app reuses the
 * runtime and packages without running pip; a changed requirements.txt
 * installs only what changed and removes packages no longer required.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { copy } from "./support/files.ts";
import { pythonRuntime, testManifest } from "./support/runtimes.ts";
import {
  assertStaged,
  cleanup,
  dropletEntries,
  get,
  REPO,
  stageApp,
  withRunningApp,
} from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const opts = e2eOptions("restage");

function sitePackages(entries: string[]): Set<string> {
  const names = new Set<string>();
  for (const e of entries) {
    const m = e.match(
      /deps\/0\/python\/lib\/python3\.\d+\/site-packages\/([^/]+)-[^-/]+\.dist-info\/$/,
    );
    if (m) names.add(m[1].toLowerCase());
  }
  return names;
}

Deno.test(
  "restage: unchanged app reuses everything, changed requirements install only the change",
  opts,
  async () => {
    const manifest = testManifest([(await pythonRuntime("3.11"))!]);
    const app = await copy(join(REPO, "examples", "flask_app"));
    const cacheDir = await Deno.makeTempDir({ prefix: "e2e-cache-" });
    try {
      await Deno.writeTextFile(
        join(app, "requirements.txt"),
        "flask==3.1.3\ngunicorn==26.2.0\nrequests\n",
      );
      const first = await stageApp(app, { manifest, cacheDir });
      assertStaged(first);
      assert.match(first.log, /Download \[file:\/\//);
      // The summary: where the time went, what the cache gave, the size.
      assert.match(first.log, /-----> Staging summary\n {7}time: /);
      assert.match(first.log, /^ {7}time: runtime +\d+\.\d\d s$/m);
      assert.match(first.log, /^ {7}time: packages +\d+\.\d\d s$/m);
      assert.match(first.log, /^ {7}time: cache save +\d+\.\d\d s$/m);
      assert.match(first.log, /^ {7}time: collectstatic +\d+\.\d\d s$/m);
      assert.match(
        first.log,
        /^ {7}cache: runtime installed \(python 3\.11\.\d+\); packages fresh: \d+ installed \(requirements\.txt\)$/m,
      );
      assert.match(first.log, /^ {7}installed: [\d.]+ MiB in deps\/0\/python, \d+ distributions$/m);
      assert.ok(sitePackages(await dropletEntries(first.dropletPath!)).has("requests"));
      await cleanup(first);

      const second = await stageApp(app, { manifest, cacheDir });
      try {
        const droplet = assertStaged(second);
        assert.match(second.log, /Reusing the Python environment from the previous staging/);
        assert.match(
          second.log,
          /requirements\.txt unchanged since the previous staging: nothing to install/,
        );
        assert.doesNotMatch(second.log, /Download \[/);
        assert.doesNotMatch(second.log, /Successfully installed/);
        assert.match(
          second.log,
          /cache: runtime reused from the app cache \(python 3\.11\.\d+\); packages unchanged/,
        );
        await withRunningApp(droplet, async (url) => {
          assert.equal((await get(url)).body, "Hello, World!\n");
        });
      } finally {
        await cleanup(second);
      }

      await Deno.writeTextFile(
        join(app, "requirements.txt"),
        "flask==3.1.3\ngunicorn==26.2.0\nsix\n",
      );
      const third = await stageApp(app, { manifest, cacheDir });
      try {
        const droplet = assertStaged(third);
        assert.match(
          third.log,
          /requirements\.txt changed since the previous staging: installing only what changed/,
        );
        assert.match(third.log, /Removing packages no longer required: .*requests/);
        assert.match(third.log, /Successfully installed six-/);
        assert.match(
          third.log,
          /packages incremental: 1 added, [4-9] removed, 0 upgraded or changed/,
        );
        assert.doesNotMatch(third.log, /Successfully installed .*flask/);
        const installed = sitePackages(await dropletEntries(droplet));
        assert.ok(installed.has("six"));
        assert.ok(installed.has("flask"));
        for (const gone of ["requests", "urllib3", "idna", "certifi"]) {
          assert.ok(!installed.has(gone), `${gone} should have been removed`);
        }
        await withRunningApp(droplet, async (url) => {
          assert.equal((await get(url)).body, "Hello, World!\n");
        });
      } finally {
        await cleanup(third);
      }
    } finally {
      await Deno.remove(app, { recursive: true });
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);
