/**
 * End to end: apps as uv and Poetry projects push them, with their lock
 * files (written in the tools' exact formats against this machine's mirror,
 * real hashes; see tests/fixtures/*_app). Staging installs exactly the
 * locked versions with real pip, hash-checked; the started app answers
 * HTTP with what is installed. Broken variants fail naming the file and the
 * command that fixes it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pythonRuntime, testManifest } from "./support/runtimes.ts";
import { copy, treeDigest } from "./support/files.ts";
import { startIndexServer } from "./support/index_server.ts";
import {
  assertBytecode,
  assertStaged,
  cleanup,
  dropletSbom,
  fixture,
  get,
  stageApp,
  withRunningApp,
} from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const opts = e2eOptions("lock file");

async function manifest311(): Promise<string> {
  return testManifest([(await pythonRuntime("3.11"))!]);
}

async function edit(path: string, change: (text: string) => string): Promise<void> {
  const before = await Deno.readTextFile(path);
  const after = change(before);
  assert.notEqual(after, before, `the edit of ${path} changed nothing`);
  await Deno.writeTextFile(path, after);
}

/** Remove docutils from the uv virtual app, as `uv remove docutils` would. */
async function removeDocutils(app: string): Promise<void> {
  await edit(join(app, "pyproject.toml"), (t) => t.replace('    "docutils>=0.21",\n', ""));
  await edit(
    join(app, "uv.lock"),
    (t) =>
      t.replace(/\[\[package\]\]\nname = "docutils"\n[\s\S]*?\n\n(?=\[\[package\]\])/, "")
        .replace('    { name = "docutils" },\n', "")
        .replace('    { name = "docutils", specifier = ">=0.21" },\n', ""),
  );
}

Deno.test(
  "uv virtual project: locked versions only, no dev group, no win32 package, an editable path package; restage reuses and removes",
  opts,
  async () => {
    const manifest = await manifest311();
    const app = await copy(fixture("uv_virtual_app"));
    const cacheDir = await Deno.makeTempDir({ prefix: "e2e-cache-" });
    try {
      const before = await treeDigest(app);
      const first = await stageApp(app, { manifest, cacheDir });
      try {
        const droplet = assertStaged(first);
        assert.match(first.log, /Packages: uv\.lock decides/);
        assert.match(
          first.log,
          /pyproject\.toml \(requires-python\) asks for >=3\.11: using python 3\.11/,
        );
        assert.match(
          first.log,
          /uv\.lock names the public PyPI index: installing from the staging index/,
        );
        assert.doesNotMatch(first.log, /pytest|colorama-/);
        assert.equal(await treeDigest(app), before, "the app dir is untouched");
        assert.doesNotMatch(first.log, /Stopped compiling/);
        await assertBytecode(droplet, ["flask", "werkzeug", "docutils"]);
        const components = await dropletSbom(droplet);
        const listed = new Map(components.map((c) => [c.name.toLowerCase(), c.version]));
        assert.equal(listed.get("docutils"), "0.22.4", "the SBOM lists what the lock installed");
        assert.ok(!listed.has("pytest"), "the SBOM lists nothing of the dev group");
        await withRunningApp(droplet, async (url) => {
          const body = (await get(url)).body;
          assert.match(body, /^flask=3\.1\.3$/m);
          assert.match(body, /^docutils=0\.22\.4$/m, "the locked version, not the newest (0.23)");
          assert.match(body, /^greeting=0\.1\.0 Hello from greeting!$/m);
          assert.match(body, /^pytest=absent$/m);
          assert.match(body, /^colorama=absent$/m);
          const file = (await get(`${url}/greeting-file`)).body.trim();
          assert.match(file, /\/app\/packages\/greeting\/greeting\/__init__\.py$/);
          assert.ok(!file.startsWith(app), "imported from the running app, not the staging dir");
        });
      } finally {
        await cleanup(first);
      }

      const second = await stageApp(app, { manifest, cacheDir });
      try {
        assertStaged(second);
        assert.match(second.log, /Reusing the Python environment from the previous staging/);
        assert.match(second.log, /Reinstalling local paths \(\.\/packages\/greeting\)/);
        assert.doesNotMatch(second.log, /docutils-0\.22\.4|flask-3\.1\.3/, "locked packages stay");
      } finally {
        await cleanup(second);
      }

      await removeDocutils(app);
      const third = await stageApp(app, { manifest, cacheDir });
      try {
        const droplet = assertStaged(third);
        assert.match(
          third.log,
          /pyproject\.toml changed, uv\.lock changed since the previous staging/,
        );
        assert.match(third.log, /Removing packages no longer required: docutils/);
        await withRunningApp(droplet, async (url) => {
          const body = (await get(url)).body;
          assert.match(body, /^docutils=absent$/m);
          assert.match(body, /^flask=3\.1\.3$/m);
        });
      } finally {
        await cleanup(third);
      }
    } finally {
      await Deno.remove(app, { recursive: true });
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

Deno.test(
  "uv package project: installed editable, its console script serves the app",
  opts,
  async () => {
    const app = await copy(fixture("uv_package_app"));
    try {
      const result = await stageApp(app, { manifest: await manifest311() });
      try {
        const droplet = assertStaged(result);
        assert.match(result.log, /Packages: uv\.lock decides/);
        await withRunningApp(droplet, async (url) => {
          const body = (await get(url)).body;
          assert.match(body, /^hello-app=0\.1\.0$/m);
          assert.match(body, /^started-by=hello-app$/m);
        });
      } finally {
        await cleanup(result);
      }
    } finally {
      await Deno.remove(app, { recursive: true });
    }
  },
);

Deno.test(
  "Poetry 2 project with package-mode = false: main group only, project not installed",
  opts,
  async () => {
    const app = await copy(fixture("poetry2_app"));
    try {
      const result = await stageApp(app, { manifest: await manifest311() });
      try {
        const droplet = assertStaged(result);
        assert.match(result.log, /Packages: poetry\.lock decides/);
        assert.match(result.log, /package-mode = false/);
        await assertBytecode(droplet, ["docutils"]);
        await withRunningApp(droplet, async (url) => {
          const body = (await get(url)).body;
          assert.match(body, /^docutils=0\.22\.4$/m);
          assert.match(body, /^pytest=absent$/m);
          assert.match(body, /^poetry2-app=absent$/m);
        });
      } finally {
        await cleanup(result);
      }
    } finally {
      await Deno.remove(app, { recursive: true });
    }
  },
);

Deno.test(
  "Poetry 1 project ([tool.poetry.dependencies], lock-version 2.0 by real Poetry): dependencies and the project installed",
  opts,
  async () => {
    // The fixture's pyproject names its index on this port (it is part of the content-hash).
    const index = await startIndexServer({ port: 18477 });
    const app = await copy(fixture("poetry1_app"));
    try {
      const result = await stageApp(app, { manifest: await manifest311() });
      try {
        const droplet = assertStaged(result);
        assert.match(result.log, /Packages: poetry\.lock decides/);
        assert.ok(
          index.requests.some((r) => r.path.startsWith("/simple/")),
          "the lock's index was used",
        );
        await assertBytecode(droplet, ["flask", "jinja2"]);
        await withRunningApp(droplet, async (url) => {
          const body = (await get(url)).body;
          assert.match(body, /^poetry1-app=0\.1\.0$/m);
          assert.match(body, /^flask=3\.1\.3$/m);
          assert.match(body, /^pytest=absent$/m);
        });
      } finally {
        await cleanup(result);
      }
    } finally {
      await index.close();
      await Deno.remove(app, { recursive: true });
    }
  },
);

Deno.test(
  "a private index named by uv.lock gets credentials from UV_INDEX_<NAME>_*, never logged",
  opts,
  async () => {
    const auth = { user: "deployer", password: "s3cret-Pa55" };
    const index = await startIndexServer({ auth });
    const app = await copy(fixture("uv_package_app"));
    try {
      await edit(
        join(app, "pyproject.toml"),
        (t) =>
          t + `\n[[tool.uv.index]]\nname = "private"\nurl = "${index.index}"\ndefault = true\n`,
      );
      await edit(
        join(app, "uv.lock"),
        (t) => t.replaceAll('registry = "https://pypi.org/simple"', `registry = "${index.index}"`),
      );
      const result = await stageApp(app, {
        manifest: await manifest311(),
        noMirror: true,
        env: {
          UV_INDEX_PRIVATE_USERNAME: auth.user,
          UV_INDEX_PRIVATE_PASSWORD: auth.password,
          PIP_RETRIES: "0",
        },
      });
      try {
        assertStaged(result);
        assert.match(
          result.log,
          /credentials from UV_INDEX_PRIVATE_USERNAME\/UV_INDEX_PRIVATE_PASSWORD/,
        );
        assert.ok(!result.log.includes(auth.password), "the password never reaches the log");
        assert.ok(index.requests.some((r) => r.status === 200 && r.path.includes("/flask")));
      } finally {
        await cleanup(result);
      }
    } finally {
      await index.close();
      await Deno.remove(app, { recursive: true });
    }
  },
);

/** Stage a broken variant of `fixtureName` and return the failed log; the app must be untouched. */
async function failedStaging(
  fixtureName: string,
  options: { change: (app: string) => Promise<void>; manifest?: string },
): Promise<string> {
  const app = await copy(fixture(fixtureName));
  try {
    await options.change(app);
    const before = await treeDigest(app);
    const result = await stageApp(app, { manifest: options.manifest ?? await manifest311() });
    try {
      assert.notEqual(result.exitCode, 0, result.log);
      assert.doesNotMatch(
        result.log,
        /Download \[|Running Pip Install/,
        "it fails before installing",
      );
      assert.equal(await treeDigest(app), before, "the app dir is untouched");
      return result.log;
    } finally {
      await cleanup(result);
    }
  } finally {
    await Deno.remove(app, { recursive: true });
  }
}

Deno.test(
  "broken lock variants fail naming the files and the command that fixes them",
  opts,
  async () => {
    const uvStale = await failedStaging("uv_virtual_app", {
      change: (app) =>
        edit(join(app, "pyproject.toml"), (t) => t.replace('"flask==3.1.3"', '"flask>=3.1"')),
    });
    assert.match(uvStale, /The lockfile at `uv\.lock` needs to be updated/);
    assert.match(uvStale, /uv\.lock is out of date with pyproject\.toml: .*flask/);
    assert.match(uvStale, /Run `uv lock`/);

    const poetryStale = await failedStaging("poetry2_app", {
      change: (app) =>
        edit(
          join(app, "pyproject.toml"),
          (t) => t.replace('"docutils (>=0.21)"', '"docutils (>=0.22)"'),
        ),
    });
    assert.match(
      poetryStale,
      /pyproject\.toml changed significantly since poetry\.lock was last generated/,
    );
    assert.match(poetryStale, /Run `poetry lock`/);

    const twoLocks = await failedStaging("uv_virtual_app", {
      change: (app) =>
        Deno.copyFile(join(fixture("poetry2_app"), "poetry.lock"), join(app, "poetry.lock")),
    });
    assert.match(twoLocks, /the app has uv\.lock, poetry\.lock, and each of them would decide/);

    const noLock = await failedStaging("uv_virtual_app", {
      change: async (app) => {
        await Deno.remove(join(app, "uv.lock"));
        await edit(join(app, "pyproject.toml"), (t) => t + "\n[tool.uv]\npackage = false\n");
      },
    });
    assert.match(noLock, /pyproject\.toml has a \[tool\.uv\] table but the app has no uv\.lock/);
    assert.match(noLock, /Run `uv lock`/);
  },
);

Deno.test(
  "requires-python against version files: ~= chooses, a conflict fails naming both",
  opts,
  async () => {
    const rt311 = (await pythonRuntime("3.11"))!;
    // Never downloaded: the conflict is found before any runtime is installed.
    const python310 = `- name: python
  version: 3.10.99
  uri: https://example.invalid/python-3.10.99.tgz
  sha256: ${"a".repeat(64)}
  cf_stacks: [cflinuxfs4]`;
    const conflict = await failedStaging("uv_virtual_app", {
      manifest: testManifest([rt311], { extra: python310 }),
      change: (app) => Deno.writeTextFile(join(app, ".python-version"), "# pinned\n3.10\n"),
    });
    assert.match(
      conflict,
      /\.python-version asks for python 3\.10 \(python 3\.10\.99\), but pyproject\.toml has requires-python = ">=3\.11"/,
    );
    assert.match(conflict, /change \.python-version to a version that satisfies ">=3\.11"/);

    // An app whose requirements.txt decides still gets its Python from requires-python.
    const app = await copy(fixture("stdlib_app"));
    try {
      await Deno.writeTextFile(
        join(app, "pyproject.toml"),
        '[project]\nname = "stdlib-app"\nversion = "0"\nrequires-python = "~=3.11.0"\n',
      );
      await Deno.copyFile(join(fixture("uv_virtual_app"), "uv.lock"), join(app, "uv.lock"));
      const result = await stageApp(app, { manifest: testManifest([rt311], { extra: python310 }) });
      try {
        assertStaged(result);
        assert.match(result.log, /uv\.lock is ignored: requirements\.txt decides/);
        assert.match(
          result.log,
          new RegExp(`requires-python\\) asks for ~=3\\.11\\.0: using python ${rt311.version}`),
        );
      } finally {
        await cleanup(result);
      }
    } finally {
      await Deno.remove(app, { recursive: true });
    }
  },
);
