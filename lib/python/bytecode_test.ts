import assert from "node:assert/strict";
import { join } from "node:path";
import { pythonRuntime } from "../../tests/support/runtimes.ts";
import { compileBytecodeBehindPip, compileOrder, osPyc, pycOf, stdlibDir } from "./bytecode.ts";
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

Deno.test(
  "a runtime without bytecode gets pip's imports compiled, and nothing else changes",
  { ignore: runtime === undefined },
  async () => {
    const work = await Deno.makeTempDir({ prefix: "bytecode_test_" });
    try {
      const py = join(work, "python");
      await Deno.mkdir(py);
      const tar = await new Deno.Command("tar", { args: ["xzf", runtime!.tarball, "-C", py] })
        .output();
      assert.ok(tar.success);
      const env = { PATH: "/usr/bin:/bin", LD_LIBRARY_PATH: join(py, "lib") };
      // With bytecode shipped (the test runtimes have it): nothing to do.
      assert.equal(compileBytecodeBehindPip(py, { version: runtime!.version, env }), undefined);

      const rm = await new Deno.Command("find", {
        args: [py, "-name", "__pycache__", "-prune", "-exec", "rm", "-rf", "{}", "+"],
      }).output();
      assert.ok(rm.success);
      const isPyc = (rel: string) => rel.endsWith("__pycache__");
      const before = await listing(py, isPyc);
      const job = compileBytecodeBehindPip(py, { version: runtime!.version, env });
      assert.ok(job, "no job for a runtime without bytecode");
      const { compiled } = await job.finished;
      assert.ok(compiled > 100 && compiled <= job.files, `${compiled} of ${job.files}`);
      assert.deepEqual(await listing(py, isPyc), before, "only __pycache__ changed");

      const stdlib = stdlibDir(py, runtime!.version);
      const tag = `cpython-${runtime!.version.split(".").slice(0, 2).join("")}`;
      assert.equal(await pycFlags(join(stdlib, `encodings/__pycache__/__init__.${tag}.pyc`)), 1);
      assert.equal(
        await pycFlags(
          join(stdlib, `site-packages/pip/_internal/__pycache__/build_env.${tag}.pyc`),
        ),
        3,
      );
      // A second staging (the runtime restored from the app cache) has nothing to do.
      assert.equal(compileBytecodeBehindPip(py, { version: runtime!.version, env }), undefined);
      // And the runtime works with it.
      const pip = await new Deno.Command(join(py, "bin", "python3"), {
        args: ["-m", "pip", "--version"],
        env,
        clearEnv: true,
      }).output();
      assert.ok(pip.success, new TextDecoder().decode(pip.stderr));
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
);
