/**
 * supplyConda against real directories, with the test suite's STAND-IN
 * Miniforge installer (tests/support/stand_in_miniforge.sh: no conda
 * distribution can be downloaded here) and no pip section, so it stays fast.
 * The full app (pip: section, start, HTTP) is tests/conda_e2e_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger, MemorySink } from "../log.ts";
import { parseManifest } from "../manifest_yaml.ts";
import { DependencyInstaller } from "../deps/install.ts";
import type { StagingContext } from "../stage/context.ts";
import { BuildpackError } from "../errors.ts";
import { skipReason, testManifest } from "../../tests/support/runtimes.ts";
import { miniforgeEntry, standInMiniforge } from "../../tests/support/conda_stand_in.ts";
import { supplyConda } from "./supply.ts";
import { usesConda } from "./uses_conda.ts";

const skip = skipReason("3.11");
const opts = { ignore: skip !== undefined, sanitizeOps: false, sanitizeResources: false };

async function staging(environmentYml: string, extraFiles: Record<string, string> = {}) {
  const root = await Deno.makeTempDir({ prefix: "conda-supply-" });
  const ctx: StagingContext = {
    buildDir: join(root, "app"),
    cacheDir: join(root, "cache"),
    depsDir: join(root, "contents123", "deps"),
    depsIdx: "0",
    root: join(root, "buildpack"),
    buildpackVersion: "9.9.9",
    stack: "cflinuxfs4",
    log: new Logger(new MemorySink()),
  };
  for (const d of [ctx.buildDir, ctx.cacheDir, join(ctx.depsDir, "0"), ctx.root]) {
    await Deno.mkdir(d, { recursive: true });
  }
  await Deno.writeTextFile(join(ctx.buildDir, "environment.yml"), environmentYml);
  for (const [name, text] of Object.entries(extraFiles)) {
    await Deno.writeTextFile(join(ctx.buildDir, name), text);
  }
  const sink = new MemorySink();
  ctx.log = new Logger(sink);
  const standIn = (await standInMiniforge())!;
  const manifest = parseManifest(
    testManifest([], { extra: miniforgeEntry(standIn) }),
    "manifest.yml",
  );
  const installer = new DependencyInstaller({
    root: ctx.root,
    cacheDir: ctx.cacheDir,
    log: ctx.log,
  });
  const env = { PATH: Deno.env.get("PATH")!, CONDA_SSL_VERIFY: "false", PYTHONHOME: "/nowhere" };
  return { root, ctx, sink, manifest, installer, env, standIn };
}

Deno.test("usesConda: environment.yml in the app root", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await usesConda(dir), false);
    await Deno.writeTextFile(join(dir, "environment.yml"), "dependencies: [pip]\n");
    assert.equal(await usesConda(dir), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("supplyConda installs Miniforge, dep_env, links and profile.d", opts, async () => {
  const s = await staging("channels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip\n", {
    "runtime.txt": "python-3.11.x\n",
  });
  try {
    await supplyConda(s.ctx, { manifest: s.manifest, installer: s.installer, env: s.env });
    const log = s.sink.text;
    const order = [
      "**WARNING**\x1b[0m you have specified the version of Python runtime both in 'runtime.txt' and 'environment.yml'. You should remove one of the two versions",
      "-----> Supplying conda",
      "-----> Installing miniforge 24.7.1",
      `Download [${s.standIn.uri}]`,
      "-----> Installing Miniforge",
      "installation finished.",
      "-----> Installing Dependencies",
      "-----> Installing conda environment from environment.yml",
      "stand-in conda: channels conda-forge; CONDA_SSL_VERIFY=false",
      "-----> Done",
    ];
    let at = 0;
    for (const line of order) {
      const found = log.indexOf(line, at);
      assert.ok(found >= 0, `missing or out of order: ${line}\n${log}`);
      at = found;
    }
    const idx = join(s.ctx.depsDir, "0");
    const env = join(idx, "conda", "envs", "dep_env");
    assert.ok((await Deno.stat(join(env, "bin", "python"))).isFile);
    assert.equal(await Deno.readLink(join(idx, "bin", "conda")), "../conda/bin/conda");
    const profile = await Deno.readTextFile(join(idx, "profile.d", "conda.sh"));
    assert.doesNotMatch(profile, /contents123/);
    const files = (await Deno.readTextFile(join(idx, "conda-relocation", "files"))).split("\0");
    for (const f of ["conda/bin/conda", "conda/bin/activate", "conda/etc/profile.d/conda.sh"]) {
      assert.ok(files.includes(f), `${f} is listed for relocation: ${files}`);
    }
    assert.equal(
      await Deno.readTextFile(join(idx, "config.yml")),
      "name: python\nversion: 9.9.9\nconfig: {}\n",
    );
    // The package cache is in the app cache, and clean -t removed its tarballs.
    const pkgs = [...Deno.readDirSync(join(s.ctx.cacheDir, "conda"))].map((e) => e.name).sort();
    assert.ok(pkgs.includes("python-3.11.7-stand_in".replace("3.11.7", s.standIn.pythonVersion)));
    assert.deepEqual(pkgs.filter((n) => n.endsWith(".conda")), []);

    // Relocated and activated from another root, as the launcher runs it.
    const runtimeDeps = join(s.root, "home", "vcap", "deps");
    await Deno.mkdir(join(runtimeDeps, ".."), { recursive: true });
    await Deno.rename(s.ctx.depsDir, runtimeDeps);
    await Deno.remove(join(s.root, "contents123"), { recursive: true });
    const out = await new Deno.Command("bash", {
      args: [
        "-c",
        'source "$DEPS_DIR/0/profile.d/conda.sh" && echo "$CONDA_DEFAULT_ENV" && python -c "import sys; print(sys.prefix)"',
      ],
      env: { DEPS_DIR: runtimeDeps, PATH: "/usr/bin:/bin", HOME: s.root },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.ok(out.success, text + new TextDecoder().decode(out.stderr));
    assert.equal(text, `dep_env\n${join(runtimeDeps, "0", "conda", "envs", "dep_env")}\n`);
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});

Deno.test(
  "a failing conda env update fails supply with conda's output and the error",
  opts,
  async () => {
    const s = await staging("dependencies:\n  - python=3.11\n  - no-such-package=1.0\n");
    try {
      await assert.rejects(
        supplyConda(s.ctx, { manifest: s.manifest, installer: s.installer, env: s.env }),
        (e: Error) => {
          assert.ok(e instanceof BuildpackError);
          assert.match(
            e.message,
            /^Could not update conda env: Could not run conda env update: exit status 1\n/,
          );
          assert.match(e.message, /Check environment\.yml/);
          return true;
        },
      );
      assert.match(s.sink.text, /PackagesNotFoundError: The following packages are not available/);
      assert.match(s.sink.text, /- no-such-package=1\.0/);
    } finally {
      await Deno.remove(s.root, { recursive: true });
    }
  },
);
