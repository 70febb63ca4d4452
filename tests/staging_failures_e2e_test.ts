/**
 * End to end: bad dependencies fail staging with the exact error, exit 223,
 * and leave nothing behind (the app cache keeps no unverified file).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
// @deno-types="@types/tar-stream"
import tar from "tar-stream";
import { pythonRuntime, testManifest } from "./support/runtimes.ts";
import { cleanup, fixture, stageApp } from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const opts = e2eOptions("staging failure");

Deno.test(
  "a runtime whose sha256 does not match fails with CF's mismatch message",
  opts,
  async () => {
    const rt = (await pythonRuntime("3.11"))!;
    const wrong = "0".repeat(64);
    const cacheDir = await Deno.makeTempDir({ prefix: "e2e-cache-" });
    try {
      const result = await stageApp(fixture("stdlib_app"), {
        manifest: testManifest([{ ...rt, sha256: wrong }]),
        cacheDir,
      });
      await cleanup(result);
      assert.equal(result.exitCode, 223);
      assert.ok(
        result.log.includes(
          `Could not install python: dependency sha256 mismatch: expected sha256 ${wrong}, actual sha256 ${rt.sha256}`,
        ),
        result.log,
      );
      assert.deepEqual(
        [...Deno.readDirSync(cacheDir)],
        [],
        "no cache is saved for a failed staging",
      );
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

async function evilTarball(dir: string): Promise<{ path: string; sha256: string }> {
  const pack = tar.pack();
  pack.entry({ name: "bin/", type: "directory", mode: 0o755 });
  pack.entry({ name: "bin/python3", mode: 0o755 }, "#!/bin/sh\necho fake\n");
  pack.entry({ name: "../../escaped.txt", mode: 0o644 }, "outside\n");
  pack.finalize();
  const chunks: Uint8Array[] = [];
  for await (const c of pack) chunks.push(c as Uint8Array);
  const raw = new Blob(chunks as BlobPart[]).stream().pipeThrough(new CompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(raw).arrayBuffer());
  const path = join(dir, "python_3.11.99_linux_x64_cflinuxfs4_evil.tgz");
  await Deno.writeFile(path, bytes);
  return { path, sha256: createHash("sha256").update(bytes).digest("hex") };
}

Deno.test("a runtime tarball with an entry escaping its dir is refused", opts, async () => {
  const dir = await Deno.makeTempDir({ prefix: "e2e-evil-" });
  try {
    const evil = await evilTarball(dir);
    const result = await stageApp(fixture("stdlib_app"), {
      manifest: testManifest([{
        version: "3.11.99",
        tarball: evil.path,
        sha256: evil.sha256,
        uri: `file://${evil.path}`,
      }]),
    });
    await cleanup(result);
    assert.equal(result.exitCode, 223);
    assert.match(result.log, /\*\*ERROR\*\*.*python_3\.11\.99_linux_x64_cflinuxfs4_evil\.tgz/);
    assert.match(result.log, /\.\.\/\.\.\/escaped\.txt/);
    assert.doesNotMatch(result.log, /Unexpected failure/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a requirements include leaving the app fails naming file and line", opts, async () => {
  const rt = (await pythonRuntime("3.11"))!;
  const dir = await Deno.makeTempDir({ prefix: "e2e-include-" });
  try {
    const app = join(dir, "a", "b", "app");
    await Deno.mkdir(join(app, "vendor"), { recursive: true });
    await Deno.writeTextFile(join(app, "app.py"), "print('hi')\n");
    await Deno.writeTextFile(join(app, "requirements.txt"), "# deps\n-r ../../../../x.txt\n");
    const result = await stageApp(app, { manifest: testManifest([rt]) });
    await cleanup(result);
    assert.notEqual(result.exitCode, 0);
    assert.match(
      result.log,
      /\*\*ERROR\*\*.* requirements\.txt line 2 includes '\.\.\/\.\.\/\.\.\/\.\.\/x\.txt', which is outside the app directory/,
    );
    assert.doesNotMatch(result.log, /Unexpected failure/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
