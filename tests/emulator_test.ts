/**
 * End-to-end tests of the local `cf push` emulator (tools/stage) with fake
 * bash buildpacks; they do not depend on this repository's buildpack.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_BUILDPACK,
  MESSAGES,
  type RunningApp,
  stage,
  type StageOptions,
  type StageResult,
  start,
  supplyCacheName,
} from "../tools/stage/mod.ts";
import {
  fakeBuildpack,
  type FakeScripts,
  releaseWeb,
  writeFiles,
} from "../tools/stage/fake_buildpack.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url)).replace(/\/+$/, "");
const decoder = new TextDecoder();

/** Run `fn` with a fresh temp dir, removed afterwards (read-only bits included). */
async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "emulator-test-" });
  try {
    await fn(dir);
  } finally {
    await new Deno.Command("chmod", { args: ["-R", "u+w", dir] }).output();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Stage quietly into `<tmp>/droplet.tgz` (so the work dir is always removed). */
function stageQuiet(tmp: string, options: Partial<StageOptions>): Promise<StageResult> {
  return stage({
    appDir: join(tmp, "app"),
    buildpacks: [],
    dropletPath: join(tmp, "droplet.tgz"),
    output: () => {},
    ...options,
  });
}

async function tar(args: string[]): Promise<string> {
  const out = await new Deno.Command("tar", { args, stderr: "piped" }).output();
  assert.ok(out.success, decoder.decode(out.stderr));
  return decoder.decode(out.stdout);
}

/** Members of a droplet or cache tarball. */
async function members(tarball: string): Promise<string[]> {
  return (await tar(["-tzf", tarball])).split("\n").filter(Boolean);
}

/** One file of a tarball (`./path`). */
function member(tarball: string, path: string): Promise<string> {
  return tar(["-xzOf", tarball, `./${path}`]);
}

async function makeApp(tmp: string, files: Record<string, string> = {}): Promise<string> {
  const app = join(tmp, "app");
  await Deno.mkdir(app, { recursive: true });
  await writeFiles(app, { "hello.txt": "hello\n", ...files });
  return app;
}

/** A fake buildpack with supply/finalize/release that does nothing else. */
function fake(tmp: string, name: string, scripts: FakeScripts = {}): Promise<string> {
  return fakeBuildpack(tmp, name, {
    supply: `echo "${name} supply $4"`,
    finalize: `echo "${name} finalize $4"`,
    release: releaseWeb(`run-${name}`),
    ...scripts,
  });
}

async function assertOk(r: StageResult): Promise<void> {
  assert.equal(r.exitCode, 0, r.log);
  assert.ok(r.dropletPath);
  await Deno.stat(r.dropletPath);
}

Deno.test("emulator: the default buildpack is the repository root", () => {
  assert.equal(DEFAULT_BUILDPACK, REPO);
});

Deno.test("emulator: detect runs in order, the first success wins at index 0", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const a = await fake(tmp, "fake-a", { detect: 'echo "detect A ran" >&2; exit 1' });
    const b = await fake(tmp, "fake-b", {
      detect: 'echo "detect B ran" >&2; [ -f "$1/hello.txt" ]; echo "bee-name"; echo',
    });
    const c = await fake(tmp, "fake-c", { detect: 'echo "detect C ran" >&2; echo c' });
    const r = await stageQuiet(tmp, { buildpacks: [a, b, c], detect: true });
    await assertOk(r);
    assert.match(r.log, /detect A ran[\s\S]*detect B ran/);
    assert.doesNotMatch(r.log, /detect C ran/);
    assert.match(r.log, /fake-b supply 0\n/);
    assert.match(r.log, /fake-b finalize 0\n/);
    assert.deepEqual(r.stagingInfo, {
      detected_buildpack: "bee-name",
      start_command: "run-fake-b",
    });
    const meta = (r.result as { lifecycle_metadata: { buildpacks: unknown[] } }).lifecycle_metadata;
    assert.deepEqual(meta.buildpacks, [{ key: await Deno.realPath(b), name: "bee-name" }]);
    assert.ok((await members(r.dropletPath!)).includes("./deps/0/"));
  });
});

Deno.test("emulator: no buildpack detects: 222 and the builder's message", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const a = await fake(tmp, "fake-a", { detect: "exit 1" });
    const b = await fake(tmp, "fake-b", { detect: "exit 3" });
    const r = await stageQuiet(tmp, { buildpacks: [a, b], detect: true });
    assert.equal(r.exitCode, 222);
    assert.ok(r.log.includes(MESSAGES.detectFail), r.log);
    assert.equal(r.dropletPath, undefined);
    await assert.rejects(Deno.stat(join(tmp, "droplet.tgz")));
  });
});

Deno.test("emulator: ten buildpacks get the exact argument lists and indexes 00..09", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const record = [
      'd="$3/$4"',
      'printf "%s\\n" "$@" > "$d/${PHASE}_args"',
      'pwd > "$d/pwd"; echo "$HOME" > "$d/home"',
      'ls -A "$3" | tr "\\n" " " > "$d/deps_seen"',
      'ls -A "$HOME/app" | wc -l > "$d/home_app_entries"',
      '[ -d "$2" ] && echo yes > "$d/cache_exists"',
    ].join("\n");
    const bps: string[] = [];
    for (let i = 0; i < 10; i++) {
      bps.push(
        await fakeBuildpack(tmp, `fake-${i}`, {
          supply: `PHASE=supply\n${record}`,
          ...(i === 9 ? { finalize: `PHASE=finalize\n${record}`, release: releaseWeb("x") } : {}),
        }),
      );
    }
    const r = await stageQuiet(tmp, { buildpacks: bps });
    await assertOk(r);
    const droplet = r.dropletPath!;
    const all = Array.from({ length: 10 }, (_, i) => `0${i}`).join(" ") + " ";
    let contents = "";
    for (let i = 0; i < 10; i++) {
      const idx = `0${i}`;
      const args = (await member(droplet, `deps/${idx}/supply_args`)).trimEnd().split("\n");
      assert.equal(args.length, 4, args.join(" "));
      assert.match(args[0], /\/tmp\/app$/);
      const cache = i === 9 ? "final" : supplyCacheName(await Deno.realPath(bps[i]));
      assert.ok(args[1].endsWith(`/tmp/cache/${cache}`), `${args[1]} vs ${cache}`);
      assert.match(args[2], /\/tmp\/contents\d+\/deps$/);
      assert.equal(args[3], idx);
      contents = dirname(args[2]);
      const home = (await member(droplet, `deps/${idx}/home`)).trim();
      assert.equal((await member(droplet, `deps/${idx}/pwd`)).trim(), home);
      assert.match(home, /\/home\/vcap$/);
      assert.equal(dirname(dirname(home)), dirname(dirname(args[0])));
      assert.equal((await member(droplet, `deps/${idx}/home_app_entries`)).trim(), "0");
      assert.equal((await member(droplet, `deps/${idx}/cache_exists`)).trim(), "yes");
    }
    // every deps/<IDX> existed before the first buildpack ran
    assert.equal(await member(droplet, "deps/00/deps_seen"), all);
    const fin = (await member(droplet, "deps/09/finalize_args")).trimEnd().split("\n");
    assert.equal(fin.length, 5);
    assert.equal(fin[3], "09");
    assert.equal(fin[4], `${contents}/profile.d`);
    assert.deepEqual(
      (r.result as { lifecycle_metadata: { buildpacks: { key: string }[] } })
        .lifecycle_metadata.buildpacks.map((b) => b.key),
      await Promise.all(bps.map((b) => Deno.realPath(b))),
    );
  });
});

Deno.test("emulator: a failing non-final supply exits 225 and stops staging", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const s = await fake(tmp, "fake-s", { supply: 'echo "supply broke"; exit 3' });
    const f = await fake(tmp, "fake-f");
    const r = await stageQuiet(tmp, { buildpacks: [s, f] });
    assert.equal(r.exitCode, 225);
    assert.ok(r.log.includes(`${MESSAGES.supplyFail}: exit status 3`), r.log);
    assert.match(r.log, /supply broke/);
    assert.doesNotMatch(r.log, /fake-f supply/);
  });
});

Deno.test("emulator: a non-final buildpack without bin/supply exits 225", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const legacy = await fakeBuildpack(tmp, "fake-legacy", { compile: "true", release: "true" });
    const f = await fake(tmp, "fake-f");
    const r = await stageQuiet(tmp, { buildpacks: [legacy, f] });
    assert.equal(r.exitCode, 225);
    assert.ok(r.log.includes(MESSAGES.noSupplyScript), r.log);
  });
});

Deno.test("emulator: failures of the final buildpack exit 223", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const cases: [FakeScripts, string][] = [
      [{ finalize: "exit 4" }, `${MESSAGES.compileFail}: ${MESSAGES.finalizeFail}: exit status 4`],
      [{ supply: "exit 5" }, `${MESSAGES.compileFail}: ${MESSAGES.supplyFail}: exit status 5`],
      [
        { supply: undefined, finalize: undefined, compile: "exit 6" },
        `${MESSAGES.compileFail}: exit status 6`,
      ],
    ];
    for (const [i, [scripts, message]] of cases.entries()) {
      const f = await fake(tmp, `fake-final-${i}`, scripts);
      const r = await stageQuiet(tmp, { buildpacks: [f] });
      assert.equal(r.exitCode, 223, r.log);
      assert.ok(r.log.includes(message), `${message} not in\n${r.log}`);
    }
  });
});

Deno.test("emulator: release failing or printing bad YAML exits 224", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const failing = await fake(tmp, "fake-rel-fail", { release: "exit 2" });
    let r = await stageQuiet(tmp, { buildpacks: [failing] });
    assert.equal(r.exitCode, 224, r.log);
    assert.ok(r.log.includes(`${MESSAGES.releaseFail}: exit status 2`), r.log);
    const bad = await fake(tmp, "fake-rel-bad", { release: 'echo "default_process_types: [web"' });
    r = await stageQuiet(tmp, { buildpacks: [bad] });
    assert.equal(r.exitCode, 224, r.log);
    assert.ok(r.log.includes("buildpack's release output invalid"), r.log);
  });
});

Deno.test("emulator: legacy compile gets two arguments and its deps dir is deleted", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const s = await fake(tmp, "fake-s", { supply: 'echo "$4" > "$3/$4/idx"' });
    const legacy = await fakeBuildpack(tmp, "fake-legacy", {
      compile: 'echo "$#" > "$1/compile_argc"; [ "$2" = "${2%/final}/final" ]',
      release: releaseWeb("legacy-web"),
    });
    const r = await stageQuiet(tmp, { buildpacks: [s, legacy] });
    await assertOk(r);
    assert.ok(r.log.includes(MESSAGES.missingFinalize), r.log);
    const list = await members(r.dropletPath!);
    assert.ok(list.includes("./deps/0/idx"));
    assert.ok(!list.some((m) => m.startsWith("./deps/1")), list.join("\n"));
    assert.equal((await member(r.dropletPath!, "app/compile_argc")).trim(), "2");
    assert.equal(r.stagingInfo?.start_command, "legacy-web");
  });
});

Deno.test("emulator: process types: launch.yml < release < Procfile (read after finalize) < -c", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const launchYml = [
      "processes:",
      "- type: web",
      "  command: from-launch",
      "- type: worker",
      "  command: launch-worker",
    ].join("\n");
    const s = await fake(tmp, "fake-s", {
      supply: `cat > "$3/$4/launch.yml" <<'EOF'\n${launchYml}\nEOF`,
    });
    const release =
      'echo "RELEASE RAN" >&2\nprintf "default_process_types:\\n  web: from-release\\n  clock: release-clock\\n"';
    const f = await fake(tmp, "fake-f", { release });
    const types = (r: StageResult) =>
      (r.result as { process_types: Record<string, string> }).process_types;

    let r = await stageQuiet(tmp, { buildpacks: [s, f] });
    await assertOk(r);
    assert.deepEqual(types(r), {
      clock: "release-clock",
      web: "from-release",
      worker: "launch-worker",
    });

    const writesProcfile = await fake(tmp, "fake-procfile", {
      release,
      finalize: 'printf "web: from-procfile\\n" > "$1/Procfile"',
    });
    r = await stageQuiet(tmp, { buildpacks: [s, writesProcfile] });
    await assertOk(r);
    assert.equal(types(r).web, "from-procfile");
    assert.equal(r.stagingInfo?.start_command, "from-procfile");

    const finalLaunch = await fake(tmp, "fake-final-launch", {
      release,
      finalize:
        'printf "processes:\\n- type: web\\n  command: final-launch\\n" > "$3/$4/launch.yml"',
    });
    r = await stageQuiet(tmp, { buildpacks: [s, finalLaunch] });
    await assertOk(r);
    assert.doesNotMatch(r.log, /RELEASE RAN/);
    assert.deepEqual(types(r), { web: "final-launch", worker: "launch-worker" });

    r = await stageQuiet(tmp, { buildpacks: [s, writesProcfile], startCommand: "from-dash-c" });
    await assertOk(r);
    assert.equal(types(r).web, "from-procfile");
    assert.equal(r.stagingInfo?.start_command, "from-dash-c");
    const info = JSON.parse(await member(r.dropletPath!, "staging_info.yml"));
    assert.equal(info.start_command, "from-dash-c");
  });
});

Deno.test("emulator: an invalid Procfile fails staging; no web command still stages", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp, { Procfile: "web: [unclosed\n" });
    const f = await fake(tmp, "fake-f");
    let r = await stageQuiet(tmp, { buildpacks: [f] });
    assert.equal(r.exitCode, 1);
    assert.ok(r.log.includes("Failed to read command from Procfile: invalid YAML"), r.log);

    await Deno.writeTextFile(join(tmp, "app", "Procfile"), "worker: python work.py\n");
    const noWeb = await fake(tmp, "fake-noweb", { release: 'echo "--- {}"' });
    r = await stageQuiet(tmp, { buildpacks: [noWeb] });
    await assertOk(r);
    assert.ok(r.log.includes(MESSAGES.noWeb), r.log);
    assert.deepEqual(r.stagingInfo, { detected_buildpack: "", start_command: "" });
  });
});

Deno.test("emulator: staging_info.yml is JSON, result.json names buildpacks from config.yml", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const config = (name: string, version: string) =>
      `printf "name: ${name}\\nversion: ${version}\\nconfig: {}\\n" > "$3/$4/config.yml"`;
    const s = await fake(tmp, "fake-s", { supply: config("supplier", "0.1") });
    const f = await fake(tmp, "fake-f", {
      supply: config("finisher", "2.0.1"),
      finalize: 'echo "export A=1" > "$5/a.sh"',
    });
    const r = await stageQuiet(tmp, { buildpacks: [s, f] });
    await assertOk(r);
    const raw = await member(r.dropletPath!, "staging_info.yml");
    assert.equal(raw, '{"detected_buildpack":"finisher","start_command":"run-fake-f"}\n');
    const [sKey, fKey] = [await Deno.realPath(s), await Deno.realPath(f)];
    assert.deepEqual(r.result, {
      lifecycle_metadata: {
        buildpack_key: fKey,
        detected_buildpack: "finisher",
        buildpacks: [
          { key: sKey, name: "supplier", version: "0.1" },
          { key: fKey, name: "finisher", version: "2.0.1" },
        ],
      },
      process_types: { web: "run-fake-f" },
      processes: [{ type: "web", command: "run-fake-f" }],
      sidecars: null,
      execution_metadata: "",
      lifecycle_type: "buildpack",
    });
    const list = await members(r.dropletPath!);
    for (
      const m of [
        "./app/hello.txt",
        "./deps/0/",
        "./deps/1/config.yml",
        "./profile.d/a.sh",
        "./staging_info.yml",
        "./tmp/",
        "./logs/",
      ]
    ) assert.ok(list.includes(m), `${m} missing from ${list.join(" ")}`);
  });
});

Deno.test("emulator: the app cache is restored, saved only on success, and pruned", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const cacheDir = join(tmp, "cache");
    const tarball = join(cacheDir, "app-cache.tgz");
    const counter = (who: string) =>
      `n=$(cat "$2/count" 2>/dev/null || echo 0); echo "${who} cache count $n"; echo $((n + 1)) > "$2/count"`;
    const s = await fake(tmp, "fake-s", { supply: counter("supply") });
    const f = await fake(tmp, "fake-f", {
      supply: counter("final"),
      finalize: '[ -z "${FAIL:-}" ]',
    });
    const sCache = supplyCacheName(await Deno.realPath(s));

    let r = await stageQuiet(tmp, { buildpacks: [s, f], cacheDir });
    await assertOk(r);
    assert.match(r.log, /final cache count 0/);
    const list = await members(tarball);
    assert.ok(list.includes("./final/count") && list.includes(`./${sCache}/count`), list.join(" "));

    r = await stageQuiet(tmp, { buildpacks: [s, f], cacheDir });
    await assertOk(r);
    assert.match(r.log, /supply cache count 1[\s\S]*final cache count 1/);
    const saved = await Deno.readFile(tarball);

    r = await stageQuiet(tmp, { buildpacks: [s, f], cacheDir, env: { FAIL: "1" } });
    assert.equal(r.exitCode, 223);
    assert.match(r.log, /final cache count 2/);
    assert.deepEqual(
      await Deno.readFile(tarball),
      saved,
      "a failed staging must not save the cache",
    );

    r = await stageQuiet(tmp, { buildpacks: [f], cacheDir });
    await assertOk(r);
    assert.match(r.log, /final cache count 2/);
    assert.ok(r.log.includes(`app cache pruned: ${sCache}`), r.log);
    assert.ok(!(await members(tarball)).some((m) => m.includes(sCache)));
  });
});

Deno.test("emulator: buildpack copies are read-only and writes into them fail staging", async () => {
  await withTemp(async (tmp) => {
    const app = await makeApp(tmp);
    const s = await fake(tmp, "fake-s", {
      supply: 'bp="$(cd "$(dirname "$0")/.." && pwd)"; stat -c "%a %a" "$bp" "$0" > "$3/$4/modes"',
    });
    const f = await fake(tmp, "fake-f", {
      finalize: 'echo changed > "$1/hello.txt"; echo new > "$1/new.txt"',
    });
    let r = await stageQuiet(tmp, { buildpacks: [s, f] });
    await assertOk(r);
    const [dirMode, fileMode] = (await member(r.dropletPath!, "deps/0/modes")).trim().split(" ");
    assert.equal(parseInt(dirMode, 8) & 0o222, 0, dirMode);
    assert.equal(parseInt(fileMode, 8) & 0o222, 0, fileMode);
    assert.equal(await member(r.dropletPath!, "app/hello.txt"), "changed\n");
    // the app source is never modified
    assert.equal(await Deno.readTextFile(join(app, "hello.txt")), "hello\n");
    await assert.rejects(Deno.stat(join(app, "new.txt")));

    const writer = await fake(tmp, "fake-writer", {
      finalize: 'touch "$(dirname "$0")/../oops"',
    });
    r = await stageQuiet(tmp, { buildpacks: [writer] });
    assert.equal(r.exitCode, 223, r.log);
    assert.match(r.log, /wrote into its own directory during bin\/finalize.*added: oops/);
    await assert.rejects(Deno.stat(join(writer, "oops")));

    const supplyWriter = await fake(tmp, "fake-supply-writer", {
      supply: 'echo x >> "$(dirname "$0")/supply"',
    });
    r = await stageQuiet(tmp, { buildpacks: [supplyWriter, f] });
    assert.equal(r.exitCode, 225, r.log);
    assert.match(r.log, /changed: bin\/supply/);
  });
});

Deno.test("emulator: buildpack copies skip .git, node_modules and dev dirs; --manifest replaces manifest.yml", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp, {
      ".git/HEAD": "ref",
      "manifest.yml": "applications: []",
      "sub/.svn/x": "",
    });
    const check = [
      'bp="$(cd "$(dirname "$0")/.." && pwd)"',
      'for p in .git node_modules tests bench; do [ ! -e "$bp/$p" ] || { echo "copied $p"; exit 1; }; done',
      '[ -f "$bp/lib/keep.txt" ]',
      'cp "$bp/manifest.yml" "$3/$4/manifest.yml"',
      'ls -A "$1" > "$3/$4/app_files"; [ ! -e "$1/sub/.svn" ]',
    ].join("\n");
    const f = await fake(tmp, "fake-f", {
      supply: check,
      files: {
        ".git/HEAD": "x",
        "node_modules/m/index.js": "",
        "tests/.cache/big": "",
        "bench/.work/x": "",
        "lib/keep.txt": "",
        "manifest.yml": "original",
      },
    });
    const manifest = join(tmp, "other-manifest.yml");
    await Deno.writeTextFile(manifest, "language: replaced\n");
    const r = await stageQuiet(tmp, { buildpacks: [f], manifest });
    await assertOk(r);
    assert.equal(await member(r.dropletPath!, "deps/0/manifest.yml"), "language: replaced\n");
    assert.equal(await Deno.readTextFile(join(f, "manifest.yml")), "original");
    // cf push leaves out VCS dirs and the app's manifest
    assert.equal(await member(r.dropletPath!, "deps/0/app_files"), "hello.txt\nsub\n");
  });
});

Deno.test("emulator: buildpack scripts get a clean builder environment", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const f = await fake(tmp, "fake-f", { supply: 'env > "$3/$4/env"' });
    const leaks = {
      PIP_INDEX_URL: "http://leak",
      PYTHONPATH: "/leak",
      LD_LIBRARY_PATH: "/leak",
      http_proxy: "http://leak:1",
    };
    const saved = Object.fromEntries(Object.keys(leaks).map((k) => [k, Deno.env.get(k)]));
    for (const [k, v] of Object.entries(leaks)) Deno.env.set(k, v);
    let r: StageResult;
    try {
      r = await stageQuiet(tmp, {
        buildpacks: [f],
        stack: "cflinuxfs3",
        env: { HTTPS_PROXY: "http://proxy:3128", BP_DEBUG: "1" },
      });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) Deno.env.delete(k);
        else Deno.env.set(k, v);
      }
    }
    await assertOk(r);
    const env = Object.fromEntries(
      (await member(r.dropletPath!, "deps/0/env")).trimEnd().split("\n").map((l) => {
        const eq = l.indexOf("=");
        return [l.slice(0, eq), l.slice(eq + 1)];
      }),
    );
    const shellOwn = new Set(["PWD", "SHLVL", "_", "OLDPWD"]);
    assert.deepEqual(Object.keys(env).filter((k) => !shellOwn.has(k)).sort(), [
      "BP_DEBUG",
      "CF_STACK",
      "DENO_DIR",
      "HOME",
      "HTTPS_PROXY",
      "LANG",
      "MEMORY_LIMIT",
      "PATH",
      "USER",
      "VCAP_APPLICATION",
      "VCAP_SERVICES",
    ]);
    assert.equal(env.CF_STACK, "cflinuxfs3");
    assert.equal(env.MEMORY_LIMIT, "1024m");
    assert.equal(env.LANG, "en_US.UTF-8");
    assert.equal(env.USER, "vcap");
    assert.equal(env.VCAP_SERVICES, "{}");
    assert.equal(env.HTTPS_PROXY, "http://proxy:3128");
    assert.match(env.HOME, /\/home\/vcap$/);
    const denoDir = dirname(Deno.execPath());
    assert.ok(
      env.PATH === `/usr/local/bin:/usr/bin:/bin:${denoDir}` ||
        env.PATH === "/usr/local/bin:/usr/bin:/bin",
      env.PATH,
    );
    assert.equal(
      env.DENO_DIR,
      Deno.env.get("DENO_DIR") || join(Deno.env.get("HOME")!, ".cache", "deno"),
    );
    assert.equal(JSON.parse(env.VCAP_APPLICATION).application_name, "app");
  });
});

/** A buildpack whose droplet exercises the launcher: profile scripts, deps, env dump. */
function launcherBuildpack(tmp: string, web: string): Promise<string> {
  return fakeBuildpack(tmp, "fake-launch", {
    supply: [
      'mkdir -p "$3/$4/bin"',
      'printf "#!/bin/sh\\necho tool-ok\\n" > "$3/$4/bin/tool"; chmod +x "$3/$4/bin/tool"',
    ].join("\n"),
    finalize: [
      `echo 'export ORDER="\${ORDER:-}1"' > "$5/000_first.sh"`,
      `printf 'export ORDER="\${ORDER}2"\\nNOT_EXPORTED=yes\\n' > "$5/zz_second.sh"`,
      'mkdir -p "$1/.profile.d"',
      `echo 'export ORDER="\${ORDER}3"' > "$1/.profile.d/app.sh"`,
      `echo 'export ORDER="\${ORDER}4"' > "$1/.profile"`,
      'echo "$3" > "$1/staging_deps_dir"',
    ].join("\n"),
    release: `cat <<'EOF'\ndefault_process_types:\n  web: '${web}'\nEOF`,
  });
}

async function get(app: RunningApp, path: string): Promise<string> {
  const res = await fetch(`${app.url}/${path}`);
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${text}`);
  return text;
}

Deno.test("emulator: start() runs the droplet from a new root with profile scripts in order", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const bp = await launcherBuildpack(
      tmp,
      'env > env.txt; "$DEPS_DIR/0/bin/tool" > tool.txt; exec python3 -m http.server "$PORT"',
    );
    const r = await stageQuiet(tmp, { buildpacks: [bp] });
    await assertOk(r);
    const stagingDeps = (await member(r.dropletPath!, "app/staging_deps_dir")).trim();
    await assert.rejects(Deno.stat(stagingDeps), "the staging tree is removed after staging");

    const app = await start(r.dropletPath!, { env: { FROM_USER: "u" } });
    try {
      const env = Object.fromEntries(
        (await get(app, "env.txt")).trimEnd().split("\n").map((l) => {
          const eq = l.indexOf("=");
          return [l.slice(0, eq), l.slice(eq + 1)];
        }),
      );
      const vcapHome = join(app.root, "home", "vcap");
      assert.equal(env.ORDER, "1234");
      assert.equal(env.NOT_EXPORTED, undefined);
      assert.equal(env.HOME, join(vcapHome, "app"));
      assert.equal(env.DEPS_DIR, join(vcapHome, "deps"));
      assert.equal(env.TMPDIR, join(vcapHome, "tmp"));
      assert.notEqual(env.DEPS_DIR, stagingDeps);
      assert.equal(env.PORT, String(app.port));
      assert.equal(env.VCAP_APP_HOST, "0.0.0.0");
      assert.equal(env.MEMORY_LIMIT, "1024m");
      assert.equal(env.INSTANCE_INDEX, "0");
      assert.equal(env.FROM_USER, "u");
      assert.equal(env.PATH, "/usr/local/bin:/usr/bin:/bin");
      assert.equal(JSON.parse(env.VCAP_APPLICATION).port, app.port);
      assert.equal(await get(app, "tool.txt"), "tool-ok\n");
      assert.match(app.log(), /GET \/tool.txt/);
    } finally {
      await app.stop();
    }
    await assert.rejects(Deno.stat(app.root));
    assert.throws(() => Deno.kill(app.pid, "SIGCONT"));
  });
});

Deno.test("emulator: a staging path baked into the droplet breaks at runtime", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const bp = await launcherBuildpack(
      tmp,
      'exec "$(cat staging_deps_dir)/0/bin/tool"',
    );
    const r = await stageQuiet(tmp, { buildpacks: [bp] });
    await assertOk(r);
    await assert.rejects(
      start(r.dropletPath!, { timeoutMs: 20_000 }),
      /app exited \(exit status 127\) before listening[\s\S]*No such file or directory/,
    );
  });
});

Deno.test("emulator: start() needs a start command; -c wins; slow apps time out", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const noWeb = await fake(tmp, "fake-noweb", { release: "true" });
    const r = await stageQuiet(tmp, { buildpacks: [noWeb] });
    await assertOk(r);
    await assert.rejects(
      start(r.dropletPath!),
      /no start command specified or detected in droplet/,
    );
    const app = await start(r.dropletPath!, {
      startCommand: 'echo "hi from -c" > hi.txt; exec python3 -m http.server "$PORT"',
    });
    try {
      assert.equal(await get(app, "hi.txt"), "hi from -c\n");
    } finally {
      await app.stop();
    }
    const started = Date.now();
    await assert.rejects(
      start(r.dropletPath!, { startCommand: "echo sleeping; sleep 30", timeoutMs: 1000 }),
      /did not listen on port \d+ within 1 s[\s\S]*sleeping/,
    );
    assert.ok(Date.now() - started < 15_000);
  });
});

Deno.test("emulator: the CLI stages, exits with the builder's code, and serves with --start", async () => {
  await withTemp(async (tmp) => {
    await makeApp(tmp);
    const mod = join(REPO, "tools", "stage", "mod.ts");
    const nodetect = await fake(tmp, "fake-nodetect", { detect: "exit 1" });
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", mod, join(tmp, "app"), "--buildpack", nodetect, "--detect"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 222);
    assert.match(decoder.decode(out.stdout), /\[stage\] None of the buildpacks detected/);

    const bp = await fake(tmp, "fake-web", {
      release: releaseWeb('python3 -m http.server "$PORT"'),
    });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        mod,
        join(tmp, "app"),
        "-b",
        bp,
        "--start",
        "--droplet",
        join(tmp, "cli.tgz"),
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let url: string | undefined;
    while (!url) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
    }
    assert.ok(url, text);
    const res = await fetch(`${url}/hello.txt`);
    assert.equal(await res.text(), "hello\n");
    Deno.kill(child.pid, "SIGTERM");
    while (!(await reader.read()).done) { /* drain */ }
    assert.equal((await child.status).code, 0);
    await assert.rejects(fetch(`${url}/hello.txt`));
  });
});
