import assert from "node:assert/strict";
import { join } from "node:path";
import { denortCachePath, resolveDenort, TARGET } from "./denort.ts";

const unreachable = () => Promise.resolve("connection refused");

Deno.test("denort: DENORT_BIN wins; the deno CLI itself is refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bin = join(dir, "denort");
    await Deno.writeTextFile(bin, "");
    await Deno.chmod(bin, 0o755);
    const base = { denoVersion: "2.9.6", target: TARGET, denoDir: dir, probe: unreachable };
    assert.deepEqual(await resolveDenort({ ...base, env: { DENORT_BIN: bin } }), {
      kind: "DENORT_BIN",
      path: bin,
    });
    await assert.rejects(
      () => resolveDenort({ ...base, env: { DENORT_BIN: Deno.execPath() } }),
      /is the deno CLI itself/,
    );
    await assert.rejects(
      () => resolveDenort({ ...base, env: { DENORT_BIN: join(dir, "nope") } }),
      /DENORT_BIN=.*nope does not exist/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denort: a seeded DENO_DIR zip, else a download, else the instructions", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const base = { env: {}, denoVersion: "2.9.6", target: TARGET, denoDir: dir };
    const cached = denortCachePath(dir, "2.9.6", TARGET);
    assert.equal(cached, join(dir, "dl/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip"));
    assert.deepEqual(
      await resolveDenort({ ...base, probe: () => Promise.resolve(undefined) }),
      {
        kind: "download",
        url: "https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip",
      },
    );
    await assert.rejects(
      () => resolveDenort({ ...base, probe: unreachable }),
      (err: Error) => {
        assert.match(err.message, /DENORT_BIN is not set/);
        assert.match(err.message, /not reachable \(connection refused\)/);
        assert.ok(err.message.includes(`put the zip unchanged at ${cached}`));
        return true;
      },
    );
    await Deno.mkdir(join(cached, ".."), { recursive: true });
    await Deno.writeFile(cached, new Uint8Array([0x50, 0x4b]));
    assert.deepEqual(await resolveDenort({ ...base, probe: unreachable }), {
      kind: "DENO_DIR",
      path: cached,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
