/**
 * End to end: every supported CPython line that this machine has (3.10 to
 * 3.13) staged from runtime.txt and asked for its version and prefix over
 * HTTP; and an unsupported request failing with the versions on offer.
 */
import assert from "node:assert/strict";
import { copy } from "./support/files.ts";
import { type BuiltRuntime, pythonRuntime, skipReason, testManifest } from "./support/runtimes.ts";
import {
  assertStaged,
  cleanup,
  fixture,
  get,
  stageApp,
  withRunningApp,
} from "./support/staging.ts";

const MINORS = ["3.10", "3.11", "3.12", "3.13"];

for (const minor of MINORS) {
  const skip = skipReason(minor);
  if (skip) console.log(`python ${minor} e2e test skipped: ${skip}`);
  Deno.test({
    name: `runtime.txt python-${minor}.x stages and serves on CPython ${minor}`,
    ignore: skip !== undefined,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const runtimes = (await Promise.all(MINORS.map((m) =>
        skipReason(m) ? undefined : pythonRuntime(m)
      )))
        .filter((r): r is BuiltRuntime => r !== undefined);
      const want = runtimes.find((r) => r.version.startsWith(minor + "."))!;
      const app = await copy(fixture("stdlib_app"));
      try {
        await Deno.writeTextFile(`${app}/runtime.txt`, `python-${minor}.x\r\n`);
        // the manifest's default is another line, so runtime.txt must decide
        const other = runtimes.find((r) => r !== want) ?? want;
        const result = await stageApp(app, {
          manifest: testManifest(runtimes, { defaultVersion: other.version }),
        });
        try {
          const droplet = assertStaged(result);
          assert.match(
            result.log,
            new RegExp(`runtime.txt asks for python-${minor}\\.x: using python ${want.version}`),
          );
          await withRunningApp(droplet, async (url) => {
            const info = JSON.parse((await get(url)).body);
            assert.equal(info.version, want.version);
            assert.match(info.prefix, /\/home\/vcap\/deps\/0\/python$/);
          });
        } finally {
          await cleanup(result);
        }
      } finally {
        await Deno.remove(app, { recursive: true });
      }
    },
  });
}

const skip311 = skipReason("3.11");
Deno.test({
  name: "an unsupported version fails naming the file, the request and what is offered",
  ignore: skip311 !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const rt = (await pythonRuntime("3.11"))!;
    const app = await copy(fixture("stdlib_app"));
    try {
      await Deno.writeTextFile(`${app}/runtime.txt`, "python-3.99.1\n");
      const result = await stageApp(app, { manifest: testManifest([rt]) });
      await cleanup(result);
      assert.equal(result.exitCode, 223);
      assert.match(
        result.log,
        new RegExp(
          `Could not install python: no match found for 3\\.99\\.1 in \\[${
            rt.version.replaceAll(".", "\\.")
          }\\]`,
        ),
      );
      assert.match(result.log, /runtime\.txt asks for python 3\.99\.1/);
      assert.doesNotMatch(result.log, /Installing python/);
    } finally {
      await Deno.remove(app, { recursive: true });
    }
  },
});
