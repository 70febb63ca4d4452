import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BuildpackError } from "../errors.ts";
import { Logger, MemorySink } from "../log.ts";
import type { Dependency } from "../manifest.ts";
import { appCachePath, DependencyInstaller } from "./install.ts";

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

async function setup(options: { cacheDir?: string } = {}) {
  const work = await Deno.makeTempDir({ prefix: "install_test_" });
  await Deno.mkdir(join(work, "src/bin"), { recursive: true });
  await Deno.writeTextFile(join(work, "src/bin/tool"), "#!/bin/sh\necho tool\n");
  const tarball = join(work, "tool_1.0.tgz");
  const tar = await new Deno.Command("tar", {
    args: ["czf", tarball, "-C", join(work, "src"), "bin"],
  }).output();
  assert.ok(tar.success);
  const sha256 = createHash("sha256").update(await Deno.readFile(tarball)).digest("hex");
  const dep = {
    name: "tool",
    version: "1.0",
    uri: pathToFileURL(tarball).href,
    sha256,
    cf_stacks: ["cflinuxfs4"],
  } as unknown as Dependency;
  const sink = new MemorySink();
  const cacheDir = options.cacheDir ?? join(work, "cache");
  const installer = new DependencyInstaller({
    root: join(work, "buildpack"),
    cacheDir,
    log: new Logger(sink),
  });
  return { work, tarball, dep, sink, cacheDir, installer };
}

Deno.test("a file:// dependency is verified and extracted in place; the app cache keeps a copy", async () => {
  const s = await setup();
  try {
    await s.installer.install(s.dep, join(s.work, "out"));
    assert.equal(await Deno.readTextFile(join(s.work, "out/bin/tool")), "#!/bin/sh\necho tool\n");
    assert.match(s.sink.text, new RegExp(`Download \\[${s.dep.uri}\\]`));
    const cached = await appCachePath(s.cacheDir, s.dep);
    assert.deepEqual(await Deno.readFile(cached), await Deno.readFile(s.tarball));
    assert.deepEqual([...Deno.readDirSync(join(cached, ".."))].map((e) => e.name), [
      "tool_1.0.tgz",
    ]);
    // One filesystem here: a hard link, nothing written again.
    assert.equal((await Deno.stat(cached)).ino, (await Deno.stat(s.tarball)).ino);
    // The next staging takes the app cache's copy.
    const again = new DependencyInstaller({
      root: join(s.work, "buildpack"),
      cacheDir: s.cacheDir,
      log: new Logger(s.sink),
    });
    assert.equal(await again.fetch(s.dep), cached);
    assert.ok(s.sink.text.includes(`Copy [${cached}]`), s.sink.text);
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});

Deno.test(
  "a file:// dependency on another filesystem than the app cache: the cache gets a copy",
  { ignore: !isDir("/dev/shm") },
  async () => {
    // /dev/shm is a tmpfs: a hard link from there fails (EXDEV), the copy is made instead.
    const shm = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "install_test_cache_" });
    const s = await setup({ cacheDir: shm });
    try {
      await s.installer.install(s.dep, join(s.work, "out"));
      const cached = await appCachePath(s.cacheDir, s.dep);
      assert.deepEqual(await Deno.readFile(cached), await Deno.readFile(s.tarball));
      assert.notEqual((await Deno.stat(cached)).dev, (await Deno.stat(s.tarball)).dev);
    } finally {
      await Deno.remove(s.work, { recursive: true });
      await Deno.remove(shm, { recursive: true });
    }
  },
);

Deno.test("a file:// dependency with the wrong sha256 is refused and leaves nothing behind", async () => {
  const s = await setup();
  try {
    const dep = { ...s.dep, sha256: "0".repeat(64) };
    await assert.rejects(s.installer.install(dep, join(s.work, "out")), (e: unknown) => {
      assert.ok(e instanceof BuildpackError);
      assert.match(e.message, /^Could not install tool: dependency sha256 mismatch/);
      return true;
    });
    assert.deepEqual([...Deno.readDirSync(s.work)].map((e) => e.name).sort(), [
      "cache",
      "src",
      "tool_1.0.tgz",
    ]);
    assert.deepEqual([...Deno.readDirSync(join(s.cacheDir, "dependencies"))].length, 1);
    const dir = await appCachePath(s.cacheDir, dep);
    assert.deepEqual([...Deno.readDirSync(join(dir, ".."))], []);
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});

Deno.test("extracted by the buildpack's executable beside the sha256 check: a mismatch still wins", async () => {
  const s = await setup();
  try {
    // A buildpack root whose bin/buildpack is the repository's dev shim: extraction runs in a child.
    await Deno.mkdir(join(s.work, "buildpack", "bin"), { recursive: true });
    await Deno.symlink(
      new URL("../../bin/buildpack", import.meta.url).pathname,
      join(s.work, "buildpack", "bin", "buildpack"),
    );
    const installer = () =>
      new DependencyInstaller({
        root: join(s.work, "buildpack"),
        cacheDir: s.cacheDir,
        log: new Logger(s.sink),
      });
    const wrong = { ...s.dep, sha256: "0".repeat(64) };
    await assert.rejects(installer().install(wrong, join(s.work, "bad")), (e: unknown) => {
      assert.ok(e instanceof BuildpackError);
      assert.match(e.message, /^Could not install tool: dependency sha256 mismatch/);
      return true;
    });
    assert.ok(
      [...Deno.readDirSync(s.work)].every((e) => !e.name.startsWith("bad")),
      "neither the target nor the scratch dir is left",
    );
    await installer().install(s.dep, join(s.work, "good"));
    assert.equal(await Deno.readTextFile(join(s.work, "good/bin/tool")), "#!/bin/sh\necho tool\n");

    // The same through a child started before the archive was known (a cold app cache).
    const early = installer();
    early.prestartExtract();
    await assert.rejects(early.install(wrong, join(s.work, "bad2")), /sha256 mismatch/);
    assert.ok([...Deno.readDirSync(s.work)].every((e) => !e.name.startsWith("bad2")));
    const ready = installer();
    ready.prestartExtract();
    await ready.install(s.dep, join(s.work, "good2"));
    await ready.close();
    assert.equal(await Deno.readTextFile(join(s.work, "good2/bin/tool")), "#!/bin/sh\necho tool\n");
    const unused = installer();
    unused.prestartExtract();
    await unused.close();
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});

Deno.test("a missing file:// dependency is a download failure naming it", async () => {
  const s = await setup();
  try {
    const dep = { ...s.dep, uri: pathToFileURL(join(s.work, "gone.tgz")).href };
    await assert.rejects(s.installer.fetch(dep), (e: unknown) => {
      assert.ok(e instanceof BuildpackError);
      assert.ok(e.message.startsWith(`Could not install tool: could not download ${dep.uri}: `));
      assert.match(e.message, /\(1 attempt\)/);
      return true;
    });
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});
