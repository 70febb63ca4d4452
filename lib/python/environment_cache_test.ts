import assert from "node:assert/strict";
import { join } from "node:path";
import {
  beginSave,
  type CacheKey,
  discard,
  lookUp,
  parseRecord,
  restore,
  reuseReasons,
  save,
  treeListing,
  treeSummary,
} from "./environment_cache.ts";
import { scanEntries } from "./tree_sync.ts";

const KEY: CacheKey = {
  buildpackVersion: "1.0.0",
  stack: "cflinuxfs4",
  runtime: { version: "3.11.7", sha256: "a".repeat(64) },
};

const RECORD = {
  buildpackVersion: "1.0.0",
  stack: "cflinuxfs4",
  runtime: { version: "3.11.7", sha256: "a".repeat(64) },
  fingerprint: "f",
  runtimePackages: ["pip"],
  inputs: { files: { "requirements.txt": "d" }, settings: {} },
};

Deno.test("parseRecord: anything not shaped exactly like a record is no usable cache", () => {
  const good = { schema: 2, ...RECORD, tree: { entries: 3, digest: "x", bytes: 10 } };
  assert.ok(parseRecord(JSON.stringify(good)));
  // The bytecode archive the runtime got is optional (records from before it stay usable).
  const archive = { version: "3.11.7", sha256: "b".repeat(64) };
  assert.deepEqual(
    parseRecord(JSON.stringify({ ...good, bytecodeArchive: archive }))?.bytecodeArchive,
    archive,
  );
  for (
    const bad of [
      "",
      "null",
      "[]",
      JSON.stringify({ ...good, schema: 1 }),
      JSON.stringify({ ...good, runtime: null }),
      JSON.stringify({ ...good, fingerprint: null }),
      JSON.stringify({ ...good, inputs: { files: null, settings: {} } }),
      JSON.stringify({ ...good, runtimePackages: [1] }),
      JSON.stringify({ ...good, tree: undefined }),
      JSON.stringify({ ...good, bytecodeArchive: null }),
      JSON.stringify({ ...good, bytecodeArchive: { version: "3.11.7" } }),
    ]
  ) {
    assert.equal(parseRecord(bad), undefined, bad);
  }
});

Deno.test("reuseReasons lists every reason, not only the first", () => {
  const record = { schema: 2 as const, ...RECORD, tree: { entries: 1, digest: "x", bytes: 10 } };
  assert.deepEqual(reuseReasons(record, KEY), []);
  assert.deepEqual(
    reuseReasons(record, {
      buildpackVersion: "2.0.0",
      stack: "cflinuxfs5",
      runtime: { version: "3.12.1", sha256: "b".repeat(64) },
    }, { clean: true }),
    [
      "BP_CLEAN_INSTALL is set",
      "the stack changed from cflinuxfs4 to cflinuxfs5",
      "the buildpack version changed from 1.0.0 to 2.0.0",
      "python changed from 3.11.7 to 3.12.1",
    ],
  );
  assert.deepEqual(reuseReasons(undefined, KEY), ["no usable Python environment in the app cache"]);
});

async function fakeRuntime(dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "bin"), { recursive: true });
  await Deno.mkdir(join(dir, "lib", "python3.11", "site-packages", "flask"), { recursive: true });
  await Deno.writeTextFile(join(dir, "lib", "python3.11", "site-packages", "flask", "app.py"), "x");
  // A stand-in interpreter (a shell script): restore only needs it to start.
  await Deno.writeTextFile(join(dir, "bin", "python3"), "#!/bin/sh\nexit 0\n");
  await Deno.chmod(join(dir, "bin", "python3"), 0o755);
  await Deno.symlink("python3", join(dir, "bin", "python"));
}

Deno.test("save is atomic and restore checks the tree and the interpreter", async () => {
  const root = await Deno.makeTempDir({ prefix: "env-cache-" });
  try {
    const cache = join(root, "cache");
    const python = join(root, "deps", "python");
    await fakeRuntime(python);
    assert.ok("tree" in await save(cache, python, RECORD));
    const names = [...Deno.readDirSync(cache)].map((e) => e.name);
    assert.deepEqual(names, ["python-env"], "no temporary trees are left");
    const { record, reasons } = await lookUp(cache, KEY);
    assert.deepEqual(reasons, []);
    assert.equal(record?.tree.digest, (await treeSummary(python)).digest);

    // A healthy restore.
    const target = join(root, "restored");
    const restored = await restore(cache, target, record!);
    assert.ok(restored.ok);
    assert.ok(Deno.statSync(join(target, "bin", "python3")).isFile);
    await discard(restored.preSave);
    assert.deepEqual(cacheEntries(cache), [], "the begun copy is gone");

    // A cache that lost a file is damaged: the caller installs afresh.
    assert.ok("tree" in await save(cache, target, RECORD));
    await Deno.remove(
      join(cache, "python-env", "lib", "python3.11", "site-packages", "flask", "app.py"),
    );
    const damaged = await restore(cache, join(root, "again"), (await lookUp(cache, KEY)).record!);
    assert.equal(damaged.ok, false);
    assert.match((damaged as { reason: string }).reason, /files differ from what was saved/);

    // An emptied interpreter is damaged too, even with the same listing size.
    await fakeRuntime(join(root, "third"));
    assert.ok("tree" in await save(cache, join(root, "third"), RECORD));
    await Deno.writeTextFile(join(cache, "python-env", "bin", "python3"), "#!/bin/sh\nexit 1\n");
    const broken = await restore(cache, join(root, "fourth"), (await lookUp(cache, KEY)).record!);
    assert.equal(broken.ok, false);
    assert.match((broken as { reason: string }).reason, /python3 does not start/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a save that cannot write warns instead of throwing and leaves no record", async () => {
  const root = await Deno.makeTempDir({ prefix: "env-cache-" });
  try {
    const python = join(root, "python");
    await fakeRuntime(python);
    // The cache path is a file: nothing can be created under it.
    const cache = join(root, "cache");
    await Deno.writeTextFile(cache, "not a dir");
    const result = await save(cache, python, RECORD);
    assert.match(
      "warning" in result ? result.warning : "",
      /Could not save the Python environment to the app cache/,
    );
    const fresh = join(root, "cache2");
    await Deno.mkdir(join(fresh, "python-env.tmp-dead"), { recursive: true });
    assert.ok("tree" in await save(fresh, python, RECORD));
    assert.deepEqual([...Deno.readDirSync(fresh)].map((e) => e.name), ["python-env"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a save across filesystems (no hard links) copies the whole tree", async () => {
  const shm = "/dev/shm";
  const root = await Deno.makeTempDir({ prefix: "env-cache-" });
  let other: string | undefined;
  try {
    if (Deno.statSync(shm).dev === Deno.statSync(root).dev) return; // same filesystem here
    other = await Deno.makeTempDir({ dir: shm, prefix: "env-cache-" });
    const python = join(root, "python");
    await fakeRuntime(python);
    assert.ok("tree" in await save(other, python, RECORD));
    const { record, reasons } = await lookUp(other, KEY);
    assert.deepEqual(reasons, []);
    assert.ok(Deno.statSync(join(other, "python-env", "bin", "python3")).isFile);
    const back = await restore(other, join(root, "back"), record!);
    assert.deepEqual(back, { ok: true }, "no copy begun across filesystems");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return; // no /dev/shm
    throw error;
  } finally {
    await Deno.remove(root, { recursive: true });
    if (other) await Deno.remove(other, { recursive: true }).catch(() => {});
  }
});

/** A saved environment in `<root>/cache` whose source `<root>/deps/python` is gone (a new staging). */
async function savedOnly(root: string): Promise<{ cache: string; python: string }> {
  const cache = join(root, "cache");
  const python = join(root, "deps", "python");
  await fakeRuntime(python);
  assert.ok("tree" in await save(cache, python, RECORD));
  await Deno.remove(python, { recursive: true });
  return { cache, python };
}

/** `path inode` of every file and symlink of a tree (the record left out), sorted. */
async function linkedFiles(dir: string): Promise<string[]> {
  return (await scanEntries(dir))
    .filter((e) => (e.type === "f" || e.type === "l") && e.path !== ".buildpack-env.json")
    .map((e) => `${e.path} ${e.ino}`).sort();
}

function cacheEntries(cache: string): string[] {
  return [...Deno.readDirSync(cache)].map((e) => e.name).sort();
}

Deno.test("a restore begins the next save's copy; an unchanged tree keeps it", async () => {
  const root = await Deno.makeTempDir({ prefix: "env-cache-" });
  try {
    const { cache, python } = await savedOnly(root);
    const restored = await restore(cache, python, (await lookUp(cache, KEY)).record!);
    assert.ok(restored.ok && restored.preSave, "a restore by rename begins the copy");
    assert.match(restored.preSave.tmp, /python-env\.tmp-/);
    assert.ok(await restored.preSave.ready, "the copy is complete");
    // A leftover of a killed staging goes; the begun copy is the one kept.
    await Deno.mkdir(join(cache, "python-env.tmp-dead"));
    const saved = await save(cache, python, RECORD, { preSave: restored.preSave });
    assert.ok("tree" in saved);
    assert.deepEqual(cacheEntries(cache), ["python-env"]);
    const app = join("lib", "python3.11", "site-packages", "flask", "app.py");
    assert.equal(
      Deno.statSync(join(cache, "python-env", app)).ino,
      Deno.statSync(join(python, app)).ino,
    );
    const { record, reasons } = await lookUp(cache, KEY);
    assert.deepEqual(reasons, []);
    assert.deepEqual(record?.tree, saved.tree);
    assert.equal(saved.tree.digest, (await treeSummary(python)).digest);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a tree changed after the copy began is brought in step by the save", async () => {
  const sp = (py: string) => join(py, "lib", "python3.11", "site-packages");
  const changes: [string, (python: string) => Promise<void>][] = [
    ["a package removed", (py) => Deno.remove(join(sp(py), "flask"), { recursive: true })],
    ["a dir replaced by a file", async (py) => {
      await Deno.remove(join(sp(py), "flask"), { recursive: true });
      await Deno.writeTextFile(join(sp(py), "flask"), "now a file");
    }],
    ["a package added", async (py) => {
      await Deno.mkdir(join(sp(py), "jinja2", "ext"), { recursive: true });
      await Deno.writeTextFile(join(sp(py), "jinja2", "ext", "i18n.py"), "i18n");
      await Deno.symlink("ext/i18n.py", join(sp(py), "jinja2", "link.py"));
    }],
    ["a file added", (py) => Deno.writeTextFile(join(py, "bin", "flask"), "#!/bin/sh\n")],
    // Same name, same size, new inode: what pip's reinstall of a file does.
    ["a file replaced", async (py) => {
      const app = join(py, "lib", "python3.11", "site-packages", "flask", "app.py");
      await Deno.remove(app);
      await Deno.writeTextFile(app, "y");
    }],
    ["bytecode written", async (py) => {
      const dir = join(py, "lib", "python3.11", "site-packages", "flask", "__pycache__");
      await Deno.mkdir(dir);
      await Deno.writeTextFile(join(dir, "app.cpython-311.pyc"), "pyc");
    }],
  ];
  for (const [what, change] of changes) {
    const root = await Deno.makeTempDir({ prefix: "env-cache-" });
    try {
      const { cache, python } = await savedOnly(root);
      const restored = await restore(cache, python, (await lookUp(cache, KEY)).record!);
      assert.ok(restored.ok && restored.preSave);
      await restored.preSave.ready;
      await change(python);
      const saved = await save(cache, python, RECORD, { preSave: restored.preSave });
      assert.ok("tree" in saved, what);
      assert.deepEqual(cacheEntries(cache), ["python-env"], what);
      assert.deepEqual(
        await treeListing(join(cache, "python-env")),
        await treeListing(python),
        `${what}: the cache holds the tree as it is now`,
      );
      assert.deepEqual(
        await linkedFiles(join(cache, "python-env")),
        await linkedFiles(python),
        `${what}: every file and symlink of the cache is a hard link of the tree's`,
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }
});

Deno.test("a copy begun after a job starts once it settles and holds what the job wrote", async () => {
  for (const outcome of ["resolves", "rejects"] as const) {
    const root = await Deno.makeTempDir({ prefix: "env-cache-" });
    try {
      const cache = join(root, "cache");
      const python = join(root, "deps", "python");
      await fakeRuntime(python);
      await Deno.mkdir(cache);
      const job = Promise.withResolvers<void>();
      const preSave = beginSave(cache, python, { after: job.promise });
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(cacheEntries(cache), [], `${outcome}: nothing copied while the job runs`);
      // What the job writes (the bytecode compiler's .pyc files) is in the copy.
      const pyc = join("lib", "python3.11", "__pycache__", "os.cpython-311.pyc");
      await Deno.mkdir(join(python, "lib", "python3.11", "__pycache__"));
      await Deno.writeTextFile(join(python, pyc), "pyc");
      if (outcome === "resolves") job.resolve();
      else job.reject(new Error("compiler failed"));
      assert.ok(await preSave.ready, `${outcome}: the copy is made`);
      assert.equal(
        Deno.statSync(join(preSave.tmp, pyc)).ino,
        Deno.statSync(join(python, pyc)).ino,
        `${outcome}: the job's file is linked into the copy`,
      );
      const saved = await save(cache, python, RECORD, { preSave });
      assert.ok("tree" in saved);
      assert.deepEqual(cacheEntries(cache), ["python-env"]);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }
});

Deno.test("a damaged restore leaves no begun copy in the app cache", async () => {
  const root = await Deno.makeTempDir({ prefix: "env-cache-" });
  try {
    const { cache, python } = await savedOnly(root);
    await Deno.writeTextFile(join(cache, "python-env", "bin", "extra"), "x");
    const damaged = await restore(cache, python, (await lookUp(cache, KEY)).record!);
    assert.equal(damaged.ok, false);
    assert.deepEqual(cacheEntries(cache), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the listing has the lines find printed for earlier versions (their digests still match)", async () => {
  const root = await Deno.makeTempDir({ prefix: "env-cache-" });
  try {
    const t = join(root, "tree");
    for (const d of ["__pycache__/sub", "pkg/__pycache__", "pkg/.buildpack-env.json", "odd"]) {
      await Deno.mkdir(join(t, d), { recursive: true });
    }
    const files = [
      "top.py",
      "__pycache__/top.cpython-311.pyc",
      "__pycache__/sub/deep.pyc",
      "pkg/__pycache__/m.cpython-311.pyc",
      "pkg/.buildpack-env.json/inside",
      "pkg/m.py",
      ".buildpack-env.json",
      "odd/__pycache__",
      "odd/.buildpack-env.json",
      "odd/with space.txt",
    ];
    for (const [i, f] of files.entries()) await Deno.writeTextFile(join(t, f), "x".repeat(i));
    await Deno.symlink("top.py", join(t, "link"));
    await Deno.symlink("missing", join(t, "odd", "dangling"));
    assert.ok(
      (await new Deno.Command("mkfifo", { args: [join(t, "odd", "fifo")] }).output()).success,
    );

    // The expression of buildpack versions up to this one, run by find itself.
    const old = await new Deno.Command("find", {
      args: [
        ...[".", "-path", "*/__pycache__/*", "-type", "f", "-printf", "p %s\\n", "-o"],
        ...["-name", "__pycache__", "-o", "-name", ".buildpack-env.json", "-prune", "-o"],
        ...["-type", "f", "-printf", "f %s %P\\n", "-o", "-type", "l", "-printf", "l %P %l\\n"],
        ...["-o", "-type", "d", "-printf", "d %P\\n"],
      ],
      cwd: t,
    }).output();
    const oldLines = new TextDecoder().decode(old.stdout).split("\n").filter(Boolean).sort();
    // Their bytecode lines had the size only (and count for the size, not the digest).
    const now = (await treeListing(t)).map((l) =>
      l.startsWith("p ") ? l.split(" ", 2).join(" ") : l
    )
      .sort();
    assert.deepEqual(now, oldLines);
    assert.ok(oldLines.includes("f 9 odd/with space.txt") && oldLines.includes("p 1"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
