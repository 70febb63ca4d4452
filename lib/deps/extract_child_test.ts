import assert from "node:assert/strict";
import { join } from "node:path";
import tar from "tar-stream";
import { BuildpackError } from "../errors.ts";
import { extractArchive } from "./extract.ts";
import {
  errorFromRecord,
  extractInChild,
  failureRecord,
  jobLine,
  parseFailure,
  parseJob,
  WaitingChild,
} from "./extract_child.ts";
import { osErrorCode } from "../io_errors.ts";

/** The repository's dev shim: the same `bin/buildpack` a release zip has (compiled there). */
const SHIM = new URL("../../bin/buildpack", import.meta.url).pathname;

async function tgz(dir: string, entries: { name: string; body: string }[]): Promise<string> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, mode: 0o644 }, e.body);
  pack.finalize();
  const chunks: Uint8Array[] = [];
  for await (const c of pack) chunks.push(c as Uint8Array);
  const raw = new Blob(chunks as BlobPart[]).stream().pipeThrough(new CompressionStream("gzip"));
  const path = join(dir, "a.tgz");
  await Deno.writeFile(path, new Uint8Array(await new Response(raw).arrayBuffer()));
  return path;
}

Deno.test("failure records round-trip buildpack errors and OS errors", () => {
  const own = errorFromRecord(
    parseFailure(JSON.stringify(failureRecord(new BuildpackError("bad", { exitCode: 3 }))))!,
  );
  assert.ok(own instanceof BuildpackError);
  assert.equal(own.message, "bad");
  assert.equal((own as BuildpackError).exitCode, 3);

  const full = new Error("No space left on device (os error 28): write '/x/y'");
  const back = errorFromRecord(parseFailure(`noise\n${JSON.stringify(failureRecord(full))}\n`)!);
  assert.equal(back.message, full.message);
  assert.equal(osErrorCode(back), "ENOSPC");
  const coded = Object.assign(new Error("denied"), { code: "EACCES" });
  assert.equal(osErrorCode(errorFromRecord(failureRecord(coded))), "EACCES");

  assert.equal(parseFailure(""), undefined);
  assert.equal(parseFailure("{}"), undefined);
  assert.equal(parseFailure("not json"), undefined);
});

Deno.test("bin/buildpack extract extracts in a child; its errors are the in-process ones", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = await tgz(dir, [{ name: "bin/tool", body: "tool\n" }]);
    assert.equal(await extractInChild(SHIM, good, join(dir, "out")), true);
    assert.equal(await Deno.readTextFile(join(dir, "out/bin/tool")), "tool\n");

    const evil = await tgz(dir, [{ name: "../../escaped.txt", body: "outside\n" }]);
    const inProcess = await extractArchive(evil, join(dir, "here")).then(
      () => assert.fail("the escaping entry was extracted"),
      (err) => err as BuildpackError,
    );
    await assert.rejects(
      () => extractInChild(SHIM, evil, join(dir, "there")),
      (err: unknown) =>
        err instanceof BuildpackError &&
        err.message === inProcess.message.replaceAll(join(dir, "here"), join(dir, "there")) &&
        err.exitCode === inProcess.exitCode,
    );
    await assert.rejects(() => Deno.stat(join(dir, "escaped.txt")));

    assert.equal(
      await extractInChild(join(dir, "no-such-executable"), good, join(dir, "x")),
      false,
      "an executable that cannot start lets the caller extract in its own process",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a job line round-trips; an empty stdin is no job; anything else is an error", () => {
  assert.deepEqual(parseJob(jobLine("/a b/p.tgz", '/t"x')), {
    archive: "/a b/p.tgz",
    target: '/t"x',
  });
  assert.equal(parseJob(""), undefined);
  assert.equal(parseJob("\n"), undefined);
  assert.throws(() => parseJob('{"archive": 1}'), /not an extract job/);
  assert.throws(() => parseJob("nonsense"), SyntaxError);
});

Deno.test("a child started before its job extracts it, reports errors the same way, and an unused one exits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = await tgz(dir, [{ name: "bin/tool", body: "tool\n" }]);
    const first = WaitingChild.start(SHIM);
    assert.ok(first);
    assert.equal(await first.run(good, join(dir, "out")), true);
    assert.equal(await Deno.readTextFile(join(dir, "out/bin/tool")), "tool\n");
    await first.close(); // after use: nothing to do

    const evil = await tgz(dir, [{ name: "../../escaped.txt", body: "outside\n" }]);
    const inChild = await extractInChild(SHIM, evil, join(dir, "there")).then(
      () => assert.fail("the escaping entry was extracted"),
      (err) => err as BuildpackError,
    );
    await assert.rejects(
      () => WaitingChild.start(SHIM)!.run(evil, join(dir, "there")),
      (err: unknown) =>
        err instanceof BuildpackError && err.message === inChild.message &&
        err.exitCode === inChild.exitCode,
    );
    await assert.rejects(() => Deno.stat(join(dir, "escaped.txt")));

    // Not needed after all (the runtime came from the app cache): it exits on the closed stdin.
    const unused = WaitingChild.start(SHIM)!;
    const started = performance.now();
    await unused.close();
    assert.ok(performance.now() - started < 5_000, "exited on its own, not killed at the bound");

    // A child that died before its job: the caller is told to extract another way.
    const gone = WaitingChild.start(SHIM)!;
    await new Promise((r) => setTimeout(r, 50));
    Deno.kill(gone.pid, "SIGKILL");
    for (let i = 0; i < 500 && !gone.exited; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(gone.exited);
    assert.equal(await gone.run(good, join(dir, "again")), false);

    assert.equal(WaitingChild.start(join(dir, "no-such-executable")), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
