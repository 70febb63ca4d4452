import assert from "node:assert/strict";
import { join } from "node:path";
import { pythonRuntime, unpackRuntime } from "../../tests/support/runtimes.ts";
import {
  compileBytecodeBehindPip,
  compileInstalledBesidePip,
  compileOrder,
  osPyc,
  pycOf,
  stdlibDir,
} from "./bytecode.ts";
import { PIP_IMPORTS } from "./pip_imports.ts";

Deno.test("compileOrder: pip's imports last first, existing only, site-packages checked", () => {
  const imports = [
    "encodings/__init__.py",
    "os.py",
    "site-packages/pip/__init__.py",
    "gone.py",
    "../escape.py",
    "/abs.py",
    "data.txt",
    "site-packages/pip/_internal/main.py",
  ];
  const items = compileOrder("/rt/lib/python3.11", (rel) => rel !== "gone.py", imports);
  assert.deepEqual(items, [
    { path: "/rt/lib/python3.11/site-packages/pip/_internal/main.py", mode: "c" },
    { path: "/rt/lib/python3.11/site-packages/pip/__init__.py", mode: "c" },
    { path: "/rt/lib/python3.11/os.py", mode: "u" },
    { path: "/rt/lib/python3.11/encodings/__init__.py", mode: "u" },
  ]);
});

Deno.test("the shipped list is pip's real imports: stdlib first, pip's own later", () => {
  assert.ok(PIP_IMPORTS.length > 100);
  assert.equal(PIP_IMPORTS[0], "encodings/__init__.py");
  assert.ok(PIP_IMPORTS.includes("site-packages/pip/_internal/cli/main.py"));
  assert.equal(new Set(PIP_IMPORTS).size, PIP_IMPORTS.length, "no duplicates");
  assert.ok(PIP_IMPORTS.every((p) => p.endsWith(".py") && !p.startsWith("/") && !p.includes("..")));
});

Deno.test("pycOf names the cache file like importlib", () => {
  assert.equal(pycOf("os.py", "3.11.7"), "__pycache__/os.cpython-311.pyc");
  assert.equal(
    pycOf("site-packages/pip/__init__.py", "3.12.1"),
    "site-packages/pip/__pycache__/__init__.cpython-312.pyc",
  );
});

Deno.test("stdlibDir and osPyc follow the version", () => {
  assert.equal(stdlibDir("/d/python", "3.12.1"), "/d/python/lib/python3.12");
  assert.equal(
    osPyc("/d/python", "3.12.1"),
    "/d/python/lib/python3.12/__pycache__/os.cpython-312.pyc",
  );
});

/** PEP 552 flags of a .pyc: 1 unchecked-hash, 3 checked-hash, 0 timestamp. */
async function pycFlags(path: string): Promise<number> {
  const head = await Deno.readFile(path);
  return new DataView(head.buffer).getUint32(4, true);
}

function isFileSync(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

async function listing(root: string, skip: (rel: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(join(root, rel))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skip(r)) continue;
      if (e.isDirectory) await walk(r);
      else out.push(r);
    }
  };
  await walk("");
  return out.sort();
}

const runtime = await pythonRuntime("3.11");

/**
 * Run `test` with the test runtime unpacked into `<work>/python` (a temp dir
 * removed afterwards) and the environment to run its python with.
 */
async function withRuntime(
  test: (r: { work: string; py: string; env: Record<string, string> }) => Promise<void>,
): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "bytecode_test_" });
  try {
    await test({ work, ...await unpackRuntime(runtime!, work) });
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

Deno.test(
  "a runtime without bytecode gets pip's imports compiled, and nothing else changes",
  { ignore: runtime === undefined },
  () =>
    withRuntime(async ({ py, env }) => {
      // With bytecode shipped (the test runtimes have it): nothing to do.
      assert.equal(compileBytecodeBehindPip(py, { version: runtime!.version, env }), undefined);

      const rm = await new Deno.Command("find", {
        args: [py, "-name", "__pycache__", "-prune", "-exec", "rm", "-rf", "{}", "+"],
      }).output();
      assert.ok(rm.success);
      const isPyc = (rel: string) => rel.endsWith("__pycache__");
      const before = await listing(py, isPyc);
      const stdlib = stdlibDir(py, runtime!.version);
      const tag = `cpython-${runtime!.version.split(".").slice(0, 2).join("")}`;
      // What pip has compiled by the time the compiler gets there stays pip's.
      const pipsPyc = join(stdlib, `__pycache__/plistlib.${tag}.pyc`);
      await Deno.mkdir(join(stdlib, "__pycache__"));
      await Deno.writeTextFile(pipsPyc, "pip's");
      const job = compileBytecodeBehindPip(py, { version: runtime!.version, env });
      assert.ok(job, "no job for a runtime without bytecode");
      const { compiled } = await job.finished;
      assert.ok(compiled > 100 && compiled < job.files, `${compiled} of ${job.files}`);
      assert.equal(await Deno.readTextFile(pipsPyc), "pip's", "an existing .pyc is left alone");
      await Deno.remove(pipsPyc);
      assert.deepEqual(await listing(py, isPyc), before, "only __pycache__ changed");

      // (encodings, imported by the compiler's own start, got Python's timestamp .pyc then,
      // which the compiler leaves alone as it would pip's.)
      assert.equal(await pycFlags(join(stdlib, `encodings/__pycache__/__init__.${tag}.pyc`)), 0);
      assert.equal(await pycFlags(join(stdlib, `__pycache__/netrc.${tag}.pyc`)), 1);
      assert.equal(
        await pycFlags(
          join(stdlib, `site-packages/pip/_internal/__pycache__/build_env.${tag}.pyc`),
        ),
        3,
      );
      // A second staging (the runtime restored from the app cache) has nothing to do,
      // told by one stat: os is frozen (no .pyc ever), the compiler's first file has one;
      // one .pyc gone elsewhere does not make it walk pip's ~560 imports again.
      assert.ok(!isFileSync(osPyc(py, runtime!.version)), "os's .pyc exists");
      await Deno.remove(
        join(stdlib, `site-packages/pip/_internal/__pycache__/build_env.${tag}.pyc`),
      );
      assert.equal(compileBytecodeBehindPip(py, { version: runtime!.version, env }), undefined);
      // And the runtime works with it.
      const pip = await new Deno.Command(join(py, "bin", "python3"), {
        args: ["-m", "pip", "--version"],
        env,
        clearEnv: true,
      }).output();
      assert.ok(pip.success, new TextDecoder().decode(pip.stderr));
    }),
);

/**
 * A distribution as pip writes it: its files, the wheel's own RECORD among
 * them, then INSTALLER, then its RECORD (CRLF, sorted, INSTALLER listed)
 * written to a temp file and renamed over the wheel's.
 */
async function writeDist(
  sitePackages: string,
  name: string,
  files: Record<string, string>,
  extraRows: string[] = [],
): Promise<string> {
  for (const [rel, text] of Object.entries(files)) {
    await Deno.mkdir(join(sitePackages, rel, ".."), { recursive: true });
    await Deno.writeTextFile(join(sitePackages, rel), text);
  }
  const distInfo = `${name}-1.0.dist-info`;
  await Deno.mkdir(join(sitePackages, distInfo), { recursive: true });
  const record = join(sitePackages, distInfo, "RECORD");
  const wheelRows = [
    ...Object.keys(files).map((rel) => `${rel},sha256=x,1`),
    `${distInfo}/RECORD,,`,
  ];
  await Deno.writeTextFile(record, wheelRows.sort().map((r) => r + "\r\n").join(""));
  await new Promise((r) => setTimeout(r, 50)); // the compiler sees the wheel's RECORD
  await Deno.writeTextFile(join(sitePackages, distInfo, "INSTALLER"), "pip\n");
  const rows = [...wheelRows, ...extraRows, `${distInfo}/INSTALLER,sha256=y,4`].sort();
  await Deno.writeTextFile(`${record}.tmp`, rows.map((r) => r + "\r\n").join(""));
  await Deno.rename(`${record}.tmp`, record);
  return record;
}

Deno.test(
  "compileInstalledBesidePip: what pip installs meanwhile gets pip's .pyc and RECORD rows",
  { ignore: runtime === undefined },
  () =>
    withRuntime(async ({ work, py, env }) => {
      const sp = join(stdlibDir(py, runtime!.version), "site-packages");
      const tag = `cpython-${runtime!.version.split(".").slice(0, 2).join("")}`;
      // Installed before the compiler starts: left alone.
      await writeDist(sp, "before", { "before/__init__.py": "x = 1\n" });
      await Deno.writeTextFile(join(work, "outside.py"), "y = 2\n");

      const compiler = compileInstalledBesidePip(py, { libDirs: [sp], env });
      assert.ok(compiler);
      await new Promise((r) => setTimeout(r, 200)); // pip at work
      const record = await writeDist(sp, "demo", {
        "demo/__init__.py": "from .mod import f\n",
        "demo/mod.py": "def f():\n    return 1\n",
        "demo/broken.py": "def (:\n",
        "demo/data.txt": "not python\n",
      }, ["../../../../outside.py,,"]);
      await new Promise((r) => setTimeout(r, 200));
      // Installed as pip exits: compiled after it, by as many processes as there are CPUs.
      const late: Record<string, string> = {};
      for (let i = 0; i < 9; i++) late[`late/m${i}.py`] = `v = ${i}\n`;
      await writeDist(sp, "late", late);
      const done = await compiler.finish(30_000);
      assert.deepEqual({ compiled: done.compiled, complete: done.complete }, {
        compiled: 11,
        complete: true,
      });
      // Timestamp-based, as pip's compileall writes them by default.
      assert.equal(await pycFlags(join(sp, `demo/__pycache__/mod.${tag}.pyc`)), 0);
      assert.equal(await pycFlags(join(sp, `demo/__pycache__/__init__.${tag}.pyc`)), 0);
      for (let i = 0; i < 9; i++) {
        assert.equal(await pycFlags(join(sp, `late/__pycache__/m${i}.${tag}.pyc`)), 0);
      }
      // A file that does not compile is skipped, as pip skips it; nothing outside is touched.
      await assert.rejects(Deno.stat(join(sp, `demo/__pycache__/broken.${tag}.pyc`)));
      await assert.rejects(Deno.stat(join(work, "__pycache__")));
      await assert.rejects(Deno.stat(join(sp, "before/__pycache__")));
      // RECORD as pip with compiling writes it: the .pyc rows added, sorted, CRLF.
      assert.equal(
        await Deno.readTextFile(record),
        [
          "../../../../outside.py,,",
          "demo-1.0.dist-info/INSTALLER,sha256=y,4",
          "demo-1.0.dist-info/RECORD,,",
          "demo/__init__.py,sha256=x,1",
          `demo/__pycache__/__init__.${tag}.pyc,,`,
          `demo/__pycache__/mod.${tag}.pyc,,`,
          "demo/broken.py,sha256=x,1",
          "demo/data.txt,sha256=x,1",
          "demo/mod.py,sha256=x,1",
        ].map((r) => r + "\r\n").join(""),
      );
      const lateRecord = await Deno.readTextFile(join(sp, "late-1.0.dist-info", "RECORD"));
      assert.ok(lateRecord.includes(`late/__pycache__/m8.${tag}.pyc,,\r\n`), lateRecord);
      assert.ok(lateRecord.includes("late-1.0.dist-info/INSTALLER,sha256=y,4\r\n"), lateRecord);
    }),
);

Deno.test(
  "compileInstalledBesidePip: a compiler that does not finish in time is killed, staging goes on",
  { ignore: runtime === undefined },
  () =>
    withRuntime(async ({ py, env }) => {
      const sp = join(stdlibDir(py, runtime!.version), "site-packages");
      const compiler = compileInstalledBesidePip(py, { libDirs: [sp], env });
      assert.ok(compiler);
      await new Promise((r) => setTimeout(r, 200));
      // A RECORD nobody ever writes into: reading it blocks the compiler for good.
      await Deno.mkdir(join(sp, "stuck-1.0.dist-info"));
      const fifo = await new Deno.Command("mkfifo", {
        args: [join(sp, "stuck-1.0.dist-info", "RECORD")],
      }).output();
      assert.ok(fifo.success);
      const started = performance.now();
      const done = await compiler.finish(500);
      assert.equal(done.complete, false);
      assert.ok(performance.now() - started < 5_000, "finish waited too long");
      // abort after the end, and abort of a fresh compiler, never throw.
      await compiler.abort();
      const other = compileInstalledBesidePip(py, { libDirs: [sp], env });
      await Deno.remove(join(sp, "stuck-1.0.dist-info"), { recursive: true });
      await other!.abort();
    }),
);
