import assert from "node:assert/strict";
import {
  describeChanges,
  fingerprint,
  inputDigests,
  type InstallPlan,
  pipSettings,
  planInstall,
} from "./install_plan.ts";
import { join } from "node:path";

const plan = (text: string): InstallPlan => ({
  manager: "requirements",
  source: "requirements.txt",
  installs: [{ requirements: { path: "requirements.txt", scratch: false }, flags: [] }],
  inputs: [{ path: "requirements.txt", text }],
  localPaths: [],
  hasRequirements: true,
});

Deno.test("fingerprint changes with requirements, runtime and pip settings only", async () => {
  const base = await fingerprint(plan("flask\n"), { runtimeSha256: "a", env: { HOME: "/x" } });
  assert.equal(
    base,
    await fingerprint(plan("flask\n"), { runtimeSha256: "a", env: { HOME: "/y" } }),
  );
  assert.notEqual(base, await fingerprint(plan("flask\nsix\n"), { runtimeSha256: "a", env: {} }));
  assert.notEqual(base, await fingerprint(plan("flask\n"), { runtimeSha256: "b", env: {} }));
  assert.notEqual(
    base,
    await fingerprint(plan("flask\n"), { runtimeSha256: "a", env: { PIP_INDEX_URL: "u" } }),
  );
});

Deno.test("pipSettings keeps PIP_* and BP_PIP_VERSION, sorted", () => {
  assert.deepEqual(
    pipSettings({ PIP_B: "2", PATH: "/bin", PIP_A: "1", BP_PIP_VERSION: "latest" }),
    [
      ["BP_PIP_VERSION", "latest"],
      ["PIP_A", "1"],
      ["PIP_B", "2"],
    ],
  );
});

Deno.test("describeChanges names files and settings, never values", async () => {
  const before = await inputDigests(plan("flask\n"), {
    PIP_INDEX_URL: "https://u:secret@x/simple",
  });
  const after = await inputDigests(plan("flask\nsix\n"), { PIP_EXTRA_INDEX_URL: "https://y" });
  const words = describeChanges(before, after);
  assert.deepEqual(words.sort(), [
    "PIP_EXTRA_INDEX_URL set",
    "PIP_INDEX_URL unset",
    "requirements.txt changed",
  ]);
  assert.ok(!words.join(" ").includes("secret"));
  assert.deepEqual(describeChanges(undefined, after), []);
});

async function appDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "plan-test-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  }
  return dir;
}

Deno.test("planInstall: vendor/ drops index lines from copies of every requirements file", async () => {
  const dir = await appDir({
    "requirements.txt": "-i https://x/simple\n-r req/base.txt\nflask\n",
    "req/base.txt": "--extra-index-url https://y/simple\nsix\n",
    "vendor/six-1.17.0-py2.py3-none-any.whl": "w",
    "vendor/hello-0.1.tar.gz": "s",
  });
  try {
    const plan = await planInstall(dir);
    assert.equal(plan.vendor, "vendor");
    assert.equal(plan.vendorSdists, true);
    assert.deepEqual(plan.installs, [
      { requirements: { path: "app/requirements.txt", scratch: true }, flags: [] },
    ]);
    assert.deepEqual(plan.files, [
      { path: "app/requirements.txt", text: "-r req/base.txt\nflask\n" },
      { path: "app/req/base.txt", text: "six\n" },
    ]);
    assert.deepEqual(plan.inputs.map((i) => i.path), [
      "requirements.txt",
      "req/base.txt",
      "vendor/",
    ]);
    const before = await fingerprint(plan, { runtimeSha256: "a", env: {} });
    await Deno.writeTextFile(join(dir, "vendor", "extra-1.0-py3-none-any.whl"), "x");
    const after = await fingerprint(await planInstall(dir), { runtimeSha256: "a", env: {} });
    assert.notEqual(before, after, "a new file in vendor/ changes the fingerprint");
    assert.equal(
      await Deno.readTextFile(join(dir, "requirements.txt")),
      "-i https://x/simple\n-r req/base.txt\nflask\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("planInstall: without vendor/ pip reads the app's own requirements", async () => {
  const dir = await appDir({ "requirements.txt": "flask\n" });
  try {
    const plan = await planInstall(dir);
    assert.equal(plan.vendor, undefined);
    assert.equal(plan.files, undefined);
    assert.deepEqual(plan.installs, [
      { requirements: { path: "requirements.txt", scratch: false }, flags: [] },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("planInstall: Pipfile.lock without requirements.txt is generated, env-expanded", async () => {
  const lock = JSON.stringify({
    _meta: { sources: [{ url: "https://${IDX}/simple", verify_ssl: true }] },
    default: { six: { version: "==1.17.0", hashes: ["sha256:ab"] } },
  });
  const dir = await appDir({ "Pipfile": "", "Pipfile.lock": lock });
  try {
    const plan = await planInstall(dir, { env: { IDX: "mirror" }, pythonVersion: "3.11.7" });
    assert.equal(plan.source, "Pipfile.lock");
    assert.equal(plan.notes?.[0], "Generating 'requirements.txt' from Pipfile.lock");
    assert.equal(
      plan.files?.[0].text,
      "-i https://mirror/simple\nsix==1.17.0 \\\n    --hash=sha256:ab\n",
    );
    const other = await planInstall(dir, { env: { IDX: "other" }, pythonVersion: "3.11.7" });
    assert.notEqual(
      await fingerprint(plan, { runtimeSha256: "a", env: {} }),
      await fingerprint(other, { runtimeSha256: "a", env: {} }),
      "the generated file is part of the fingerprint",
    );
    await assert.rejects(
      () => planInstall(dir, { env: {}, pythonVersion: "3.11.7" }),
      /Could not install packages from Pipfile\.lock: .*\$\{IDX\}.*cf set-env/s,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("planInstall: a Pipfile without lock is an error, unless setup.py says what to install", async () => {
  const dir = await appDir({ "Pipfile": "[packages]\n" });
  try {
    await assert.rejects(() => planInstall(dir), /Pipfile but no Pipfile\.lock.*pipenv lock/s);
    await Deno.writeTextFile(join(dir, "setup.py"), "");
    assert.equal((await planInstall(dir)).manager, "project");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
