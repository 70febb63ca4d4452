import assert from "node:assert/strict";
import { join } from "node:path";
import { isInside, readAppFile, readAppText } from "./app_files.ts";
import { BuildpackError } from "./errors.ts";

async function withApp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "app-files-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function failure(promise: Promise<unknown>): Promise<BuildpackError> {
  const err = await promise.then(() => undefined, (e) => e);
  assert.ok(err instanceof BuildpackError, `expected a BuildpackError, got ${err}`);
  return err;
}

/** Root with CAP_DAC_OVERRIDE reads mode-000 files; the permission test needs a user without. */
function permissionsApply(): boolean {
  const path = Deno.makeTempFileSync();
  try {
    Deno.chmodSync(path, 0);
    Deno.readFileSync(path);
    return false;
  } catch {
    return true;
  } finally {
    Deno.removeSync(path);
  }
}

Deno.test("isInside compares normalized paths", () => {
  assert.ok(isInside("/app", "/app"));
  assert.ok(isInside("/app", "/app/a/b"));
  assert.ok(!isInside("/app", "/app2/x"));
  assert.ok(!isInside("/app", "/etc/passwd"));
});

Deno.test("readAppText reads a regular file; optional absent is undefined", async () => {
  await withApp(async (dir) => {
    await Deno.writeTextFile(join(dir, "runtime.txt"), "\ufeffpython-3.11\n");
    assert.equal(await readAppText(dir, "runtime.txt"), "python-3.11\n");
    assert.equal(await readAppText(dir, "absent.txt", { optional: true }), undefined);
    const err = await failure(readAppText(dir, "absent.txt"));
    assert.match(err.message, /^Could not read absent\.txt: it does not exist/);
  });
});

Deno.test("a FIFO is refused without blocking", async () => {
  await withApp(async (dir) => {
    const made = await new Deno.Command("mkfifo", { args: [join(dir, "runtime.txt")] }).output();
    assert.ok(made.success);
    const err = await failure(readAppFile(dir, "runtime.txt", { optional: true }));
    assert.match(err.message, /runtime\.txt: it is a named pipe \(FIFO\), not a regular file/);
  });
});

Deno.test("a directory is an error, not skipped", async () => {
  await withApp(async (dir) => {
    await Deno.mkdir(join(dir, "runtime.txt"));
    const err = await failure(readAppFile(dir, "runtime.txt", { optional: true }));
    assert.match(err.message, /runtime\.txt: it is a directory/);
  });
});

Deno.test("a 1 GB file is refused by size without reading it", async () => {
  await withApp(async (dir) => {
    const path = join(dir, "runtime.txt");
    await Deno.writeTextFile(path, "");
    await Deno.truncate(path, 1024 ** 3); // sparse: no disk used
    const started = performance.now();
    const err = await failure(readAppFile(dir, "runtime.txt", { maxBytes: 4096 }));
    assert.ok(performance.now() - started < 1000);
    assert.match(err.message, /it is 1073741824 bytes, more than the 4096 bytes/);
  });
});

Deno.test("symlinks are followed inside the app and refused outside", async () => {
  await withApp(async (dir) => {
    await Deno.mkdir(join(dir, "app"));
    await Deno.writeTextFile(join(dir, "secret"), "s3cret\n");
    await Deno.writeTextFile(join(dir, "app", "real.txt"), "flask\n");
    await Deno.symlink("real.txt", join(dir, "app", "requirements.txt"));
    await Deno.symlink("../secret", join(dir, "app", "runtime.txt"));
    await Deno.symlink("/dev/zero", join(dir, "app", "zero.txt"));
    await Deno.symlink("gone.txt", join(dir, "app", "dangling.txt"));
    const app = join(dir, "app");
    assert.equal(await readAppText(app, "requirements.txt"), "flask\n");
    const out = await failure(readAppText(app, "runtime.txt"));
    assert.match(out.message, /Refusing to read runtime\.txt: it leads outside the app/);
    assert.doesNotMatch(out.message, /s3cret/);
    await failure(readAppFile(app, "zero.txt"));
    const dangling = await failure(readAppFile(app, "dangling.txt", { optional: true }));
    assert.match(dangling.message, /symbolic link to a file that does not exist/);
    const climb = await failure(readAppFile(app, "../secret"));
    assert.match(climb.message, /leads outside the app/);
  });
});

Deno.test("non-UTF-8 text names the file, offset and bytes", async () => {
  await withApp(async (dir) => {
    await Deno.writeFile(join(dir, "requirements.txt"), new Uint8Array([0x66, 0x6c, 0xe9, 0x0a]));
    const err = await failure(readAppText(dir, "requirements.txt"));
    assert.match(
      err.message,
      /requirements\.txt: it is not valid UTF-8; found bytes e9 0a at offset 2/,
    );
  });
});

Deno.test({
  name: "an unreadable file names the file and the OS reason",
  ignore: !permissionsApply(),
  fn: async () => {
    await withApp(async (dir) => {
      await Deno.writeTextFile(join(dir, "requirements.txt"), "flask\n");
      await Deno.chmod(join(dir, "requirements.txt"), 0);
      const err = await failure(readAppText(dir, "requirements.txt", { optional: true }));
      assert.match(err.message, /^Could not read requirements\.txt: Permission denied\./);
    });
  },
});
