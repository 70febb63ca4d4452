import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { BuildpackError } from "../../lib/errors.ts";
import { pythonRuntime, skipReason } from "../../tests/support/runtimes.ts";
import { isElf, readRunpathsFile } from "./elf_runpath.ts";
import { absoluteRunpathEntries, pycMode } from "./relocate.ts";
import { inspectPrefix } from "./package.ts";

const reason = skipReason("3.11");
const decoder = new TextDecoder();

async function run(
  program: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  const out = await new Deno.Command(program, {
    args,
    env: options.env,
    clearEnv: options.env !== undefined,
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
    seconds: (performance.now() - started) / 1000,
  };
}

async function* walk(
  root: string,
  rel = "",
): AsyncGenerator<{ rel: string; entry: Deno.DirEntry }> {
  for await (const entry of Deno.readDir(join(root, rel))) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory) yield* walk(root, child);
    else yield { rel: child, entry };
  }
}

function pyenv(args: string[]): string {
  return decoder.decode(new Deno.Command("pyenv", { args, stdout: "piped" }).outputSync().stdout)
    .trim();
}

Deno.test("inspectPrefix: clear errors for a missing prefix and a non-CPython directory", async () => {
  await assert.rejects(
    () => inspectPrefix("/nonexistent/python-prefix", "3.11.7"),
    (e: unknown) => e instanceof BuildpackError && /does not exist/.test(e.message),
  );
  const empty = await Deno.makeTempDir({ prefix: "python-dep-empty-" });
  try {
    await assert.rejects(
      () => inspectPrefix(empty, "3.11.7"),
      (e: unknown) => e instanceof BuildpackError && /not a CPython prefix/.test(e.message),
    );
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
  await assert.rejects(() => inspectPrefix(empty, "3.11"), /not a CPython version/);
});

Deno.test({
  name: "inspectPrefix: version mismatch with bin/python3 --version",
  ignore: reason !== undefined,
  async fn() {
    const version = pyenv(["versions", "--bare"]).split("\n").find((v) => v.startsWith("3.11."))!;
    await assert.rejects(
      () => inspectPrefix(pyenv(["prefix", version]), "3.11.99"),
      (e: unknown) =>
        e instanceof BuildpackError && e.message.includes(`says ${version}, but --version 3.11.99`),
    );
    const info = await inspectPrefix(pyenv(["prefix", version]), version);
    assert.equal(info.layout.stdlib, "lib/python3.11");
    assert.ok(info.layout.keepSitePackages.has("pip"));
  },
});

Deno.test({
  name: "a packaged 3.11 runtime is complete, trimmed, relocatable and precompiled",
  ignore: reason !== undefined,
  async fn() {
    const started = performance.now();
    const runtime = await pythonRuntime("3.11");
    const obtainSeconds = (performance.now() - started) / 1000;
    assert.ok(runtime, "pyenv has a 3.11");
    assert.match(runtime.version, /^3\.11\.\d+$/);
    assert.equal(runtime.uri, `file://${runtime.tarball}`);
    const bytes = await Deno.readFile(runtime.tarball);
    assert.equal(createHash("sha256").update(bytes).digest("hex"), runtime.sha256);
    assert.equal(
      basename(runtime.tarball),
      `python_${runtime.version}_linux_x64_cflinuxfs4_${runtime.sha256.slice(0, 8)}.tgz`,
    );

    const listing = await run("tar", ["-tzf", runtime.tarball]);
    assert.equal(listing.code, 0);
    const entries = listing.stdout.split("\n").filter(Boolean);
    assert.ok(
      entries.every((e) => !e.startsWith("./") && !e.startsWith("/")),
      "no ./ or / entries",
    );
    assert.deepEqual([...new Set(entries.map((e) => e.split("/")[0]))].sort(), [
      "bin",
      "include",
      "lib",
    ]);
    for (const f of ["bin/python", "bin/python3", "bin/python3.11", "bin/pip", "bin/pip3"]) {
      assert.ok(entries.includes(f), `${f} is packaged`);
    }
    assert.ok(entries.includes("lib/libpython3.11.so.1.0"));
    assert.ok(entries.includes("include/python3.11/Python.h"));
    assert.ok(entries.includes("lib/python3.11/os.py"));
    for (
      const dropped of [
        "lib/python3.11/test/",
        "lib/python3.11/idlelib/idle_test/",
        "lib/python3.11/lib2to3/tests/",
      ]
    ) {
      assert.ok(!entries.some((e) => e.startsWith(dropped)), `${dropped} is dropped`);
    }
    assert.ok(!entries.some((e) => e.endsWith(".a")), "no static libraries");
    const site = "lib/python3.11/site-packages/";
    const siteTop = [
      ...new Set(
        entries.filter((e) => e.startsWith(site) && e !== site).map((e) =>
          e.slice(site.length).split("/")[0]
        ),
      ),
    ].sort();
    const unexpected = siteTop.filter((n) =>
      !/^(pip|setuptools)(-[^-]+\.dist-info)?$/.test(n) &&
      !["pkg_resources", "_distutils_hack", "distutils-precedence.pth", "README.txt"].includes(n)
    );
    assert.deepEqual(unexpected, [], "site-packages holds only pip and setuptools");
    assert.ok(siteTop.includes("pip") && siteTop.some((n) => /^pip-.*\.dist-info$/.test(n)));

    // A fresh extraction somewhere else entirely.
    const scratch = await Deno.realPath(await Deno.makeTempDir({ prefix: "python-dep-e2e-" }));
    try {
      const home = join(scratch, "app", ".cloudfoundry", "0", "python");
      await Deno.mkdir(home, { recursive: true });
      const untar = await run("tar", ["-xzf", runtime.tarball, "-C", home]);
      assert.equal(untar.code, 0, untar.stderr);

      let pycs = 0;
      const notUnchecked: string[] = [];
      const absoluteRunpaths: string[] = [];
      for await (const { rel, entry } of walk(home)) {
        if (!entry.isFile) continue;
        const path = join(home, rel);
        if (rel.endsWith(".pyc")) {
          pycs++;
          const f = await Deno.open(path);
          const head = new Uint8Array(16);
          await f.read(head);
          f.close();
          if (pycMode(head) !== "unchecked-hash") notUnchecked.push(rel);
          continue;
        }
        const f = await Deno.open(path);
        const magic = new Uint8Array(4);
        await f.read(magic);
        f.close();
        if (!isElf(magic)) continue;
        for (const r of await readRunpathsFile(path)) {
          if (absoluteRunpathEntries(r.value).length) absoluteRunpaths.push(`${rel}: ${r.value}`);
        }
      }
      assert.ok(pycs > 1000, `${pycs} .pyc files`);
      assert.deepEqual(notUnchecked, []);
      assert.ok(
        entries.includes("lib/python3.11/__pycache__/os.cpython-311.pyc") &&
          entries.some((e) => e.startsWith("lib/python3.11/site-packages/pip/__pycache__/")),
      );
      assert.deepEqual(absoluteRunpaths, [], "no RUNPATH points outside the runtime");

      const env = { PATH: "/usr/bin:/bin", LD_LIBRARY_PATH: join(home, "lib") };
      const probe = await run(
        join(home, "bin", "python3"),
        [
          "-c",
          "import sys, ssl, sqlite3, ctypes, json; print(json.dumps({'version': sys.version.split()[0], " +
          "'prefix': sys.prefix, 'maps': open('/proc/self/maps').read()}))",
        ],
        { env, cwd: scratch },
      );
      assert.equal(probe.code, 0, probe.stderr);
      const facts = JSON.parse(probe.stdout) as { version: string; prefix: string; maps: string };
      assert.equal(
        facts.version,
        runtime.version,
        "runs the packaged CPython, not the host's libpython",
      );
      assert.equal(facts.prefix, home);
      const libpython = facts.maps.split("\n").filter((l) => l.includes("libpython")).map((l) =>
        l.split(/\s+/).pop()!
      );
      assert.ok(
        libpython.length > 0 && libpython.every((l) => l.startsWith(home + "/")),
        libpython.join(),
      );

      const pip = await run(join(home, "bin", "python3"), ["-m", "pip", "--version"], {
        env,
        cwd: scratch,
      });
      assert.equal(pip.code, 0, pip.stderr);
      assert.ok(
        pip.stdout.includes(join(home, "lib", "python3.11", "site-packages", "pip")),
        pip.stdout,
      );
      const pipAgain = await run(join(home, "bin", "python3"), ["-m", "pip", "--version"], {
        env,
        cwd: scratch,
      });
      const script = await run(join(home, "bin", "pip"), ["--version"], {
        env: { ...env, PATH: `${join(home, "bin")}:${env.PATH}` },
        cwd: scratch,
      });
      assert.equal(script.code, 0, script.stderr);

      console.log(
        `python ${runtime.version}: tarball ${(bytes.length / 1048576).toFixed(1)} MiB, ` +
          `${entries.length} entries, ${pycs} .pyc; obtained in ${obtainSeconds.toFixed(2)} s ` +
          `(cached when ~0); first \`python -m pip --version\` ${pip.seconds.toFixed(2)} s, ` +
          `second ${pipAgain.seconds.toFixed(2)} s`,
      );
      // Speed is measured by bench/, not asserted here: the machine may be loaded.
    } finally {
      await Deno.remove(scratch, { recursive: true });
    }
  },
});
