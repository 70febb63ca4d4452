import assert from "node:assert/strict";
import { join } from "node:path";
import type { Dependency, Manifest } from "../manifest.ts";
import { pipenvDependency, pipenvInstallArgs, pipenvLockEnv } from "./pipenv_lock.ts";
import { fingerprint, planInstall } from "./install_plan.ts";
import { withPipfileLock } from "./managers/pipfile.ts";
import { pipenvLockFailed } from "../errors.ts";

const dep = (version: string, stacks: string[]): Dependency => ({
  name: "pipenv",
  version,
  uri: `https://example.invalid/pipenv-${version}.tgz`,
  sha256: "0".repeat(64),
  cfStacks: stacks,
});

const manifest = (dependencies: Dependency[]): Manifest => ({
  language: "python",
  defaultVersions: [],
  deprecationDates: [],
  dependencies,
  includeFiles: [],
});

const LOCK = JSON.stringify({
  _meta: { requires: { python_version: "3.11" }, sources: [{ url: "${IDX}", verify_ssl: true }] },
  default: { six: { version: "==1.17.0", hashes: ["sha256:" + "a".repeat(64)] } },
  develop: {},
});

async function appDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, name), text);
  }
  return dir;
}

Deno.test("pipenvDependency: the newest pipenv for the stack, or none", () => {
  const m = manifest([dep("2026.7.1", ["cflinuxfs4"]), dep("2026.10.2", ["cflinuxfs4"])]);
  assert.equal(pipenvDependency(m, "cflinuxfs4")?.version, "2026.10.2");
  assert.equal(pipenvDependency(m, "cflinuxfs5"), undefined);
  assert.equal(pipenvDependency(manifest([]), "cflinuxfs4"), undefined);
});

Deno.test("pipenvLockEnv: pipenv on PYTHONPATH, its files in scratch dirs", () => {
  const env = pipenvLockEnv({ PATH: "/bin", PIP_INDEX_URL: "u" }, {
    lib: "/s/pipenv-lib",
    pipfile: "/s/project/Pipfile",
    workonHome: "/s/venvs",
    python: "/d/python/bin/python3",
  });
  assert.equal(env.PATH, "/bin");
  assert.equal(env.PIP_INDEX_URL, "u");
  assert.equal(env.PYTHONPATH, "/s/pipenv-lib");
  assert.equal(env.PIPENV_PIPFILE, "/s/project/Pipfile");
  assert.equal(env.WORKON_HOME, "/s/venvs");
  assert.equal(env.PIPENV_PYTHON, "/d/python/bin/python3");
  assert.equal(env.PIPENV_VENV_IN_PROJECT, "0");
  assert.equal(env.PIPENV_IGNORE_VIRTUALENVS, "1");
  assert.equal(env.PIPENV_YES, "1");
  assert.equal(env.PIPENV_NOSPIN, "1");
});

Deno.test("pipenvInstallArgs: no index, every find-links dir, a target outside the runtime", () => {
  const args = pipenvInstallArgs("/s/lib", ["/s/dist", "/s/dist/pipenv"]);
  assert.deepEqual(args.slice(0, 4), ["-m", "pip", "install", "--no-index"]);
  assert.ok(args.includes("--find-links=/s/dist") && args.includes("--find-links=/s/dist/pipenv"));
  assert.equal(args[args.indexOf("--target") + 1], "/s/lib");
  assert.equal(args.at(-1), "pipenv");
});

Deno.test("planInstall: a Pipfile without lock is to be locked when pipenv is available", async () => {
  const dir = await appDir({ "Pipfile": "[packages]\nsix = '*'\n" });
  try {
    await assert.rejects(() => planInstall(dir), /Pipfile but no Pipfile\.lock/);
    const plan = await planInstall(dir, { canLockPipfile: true });
    assert.equal(plan.pipfileToLock, "[packages]\nsix = '*'\n");
    assert.equal(plan.source, "Pipfile");
    assert.deepEqual(plan.inputs, [{ path: "Pipfile", text: "[packages]\nsix = '*'\n" }]);
    const withSetup = await appDir({ "Pipfile": "", "setup.py": "" });
    try {
      const project = await planInstall(withSetup, { canLockPipfile: true });
      assert.equal(project.manager, "project");
      assert.equal(project.pipfileToLock, undefined);
    } finally {
      await Deno.remove(withSetup, { recursive: true });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withPipfileLock: the lock's requirements, the Pipfile in the fingerprint", async () => {
  const dir = await appDir({ "Pipfile": "[packages]\nsix = '*'\n" });
  const other = await appDir({ "Pipfile": "[packages]\nsix = '>=1'\n" });
  try {
    const plan = withPipfileLock(await planInstall(dir, { canLockPipfile: true }), LOCK, {
      env: { IDX: "https://idx.example/simple" },
      pythonVersion: "3.11.7",
    });
    assert.equal(plan.source, "Pipfile");
    assert.equal(plan.notes?.[0], "Generating 'requirements.txt' from Pipfile.lock");
    assert.deepEqual(plan.inputs.map((i) => i.path), ["Pipfile", "Pipfile.lock"]);
    assert.match(plan.files![0].text, /-i https:\/\/idx\.example\/simple/);
    assert.match(plan.files![0].text, /six==1\.17\.0 .*--hash=sha256:a{64}/s);
    const same = withPipfileLock(await planInstall(other, { canLockPipfile: true }), LOCK, {
      env: { IDX: "https://idx.example/simple" },
      pythonVersion: "3.11.7",
    });
    const context = { runtimeSha256: "r", env: {} };
    assert.notEqual(await fingerprint(plan, context), await fingerprint(same, context));
    assert.throws(
      () => withPipfileLock(plan, "{", { env: {}, pythonVersion: "3.11.7" }),
      /Pipfile\.lock \(written by pipenv lock\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(other, { recursive: true });
  }
});

Deno.test("withPipfileLock: vendored apps drop the lock's index lines", async () => {
  const dir = await appDir({ "Pipfile": "", "vendor/six-1.17.0-py2.py3-none-any.whl": "x" });
  try {
    const plan = withPipfileLock(await planInstall(dir, { canLockPipfile: true }), LOCK, {
      env: { IDX: "https://idx.example/simple" },
      pythonVersion: "3.11.7",
    });
    assert.equal(plan.vendor, "vendor");
    assert.doesNotMatch(plan.files![0].text, /idx\.example/);
    assert.ok(plan.inputs.some((i) => i.path === "vendor/"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pipenvLockFailed: says which step failed and shows pipenv's output", () => {
  const lock = pipenvLockFailed("2026.7.1", { step: "lock", output: "resolution failed\n" });
  assert.match(lock.message, /no Pipfile\.lock, and `pipenv lock` \(pipenv 2026\.7\.1\) failed/);
  assert.match(lock.message, /pipenv's output ends with:\nresolution failed\n/);
  assert.match(lock.message, /run `pipenv lock` locally/);
  const install = pipenvLockFailed("2026.7.1", { step: "install", output: "" });
  assert.match(install.message, /installing pipenv 2026\.7\.1 from the buildpack's pipenv/);
  assert.doesNotMatch(install.message, /output ends with/);
});
