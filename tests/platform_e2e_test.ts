/**
 * End to end: how the buildpack fits the platform around it - app hooks,
 * multi-buildpack (as a supply-only buildpack and as the final one after
 * another), an earlier buildpack's override.yml, legacy bin/compile, the
 * app's own .profile and .profile.d, and the start command rules. Other
 * buildpacks here are small bash buildpacks made by the test (named "fake").
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { copy } from "./support/files.ts";
import { buildpackCopy } from "./support/buildpack_copy.ts";
import { pythonRuntime, testManifest } from "./support/runtimes.ts";
import {
  assertStaged,
  cleanup,
  fixture,
  get,
  stageApp,
  withRunningApp,
} from "./support/staging.ts";
import { fakeBuildpack, releaseWeb } from "../tools/stage/fake_buildpack.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const opts = e2eOptions("platform");

async function manifest(): Promise<string> {
  return testManifest([(await pythonRuntime("3.11"))!]);
}

async function withApp<T>(
  edit: (app: string) => Promise<void>,
  fn: (app: string, tmp: string) => Promise<T>,
): Promise<T> {
  const app = await copy(fixture("env_app"));
  const tmp = await Deno.makeTempDir({ prefix: "e2e-platform-" });
  try {
    await edit(app);
    return await fn(app, tmp);
  } finally {
    await Deno.remove(app, { recursive: true });
    await Deno.remove(tmp, { recursive: true });
  }
}

async function appInfo(droplet: string) {
  return await withRunningApp(droplet, async (url) => JSON.parse((await get(url)).body));
}

Deno.test(
  "hooks: pre_compile (shebang) and post_compile (plain sh) run in order",
  opts,
  async () => {
    await withApp(async (app) => {
      await Deno.mkdir(join(app, "bin"));
      await Deno.writeTextFile(
        join(app, "bin", "pre_compile"),
        '#!/usr/bin/env bash\necho "pre_compile ran in $PWD"\n',
      );
      await Deno.chmod(join(app, "bin", "pre_compile"), 0o644); // not executable: still run
      await Deno.writeTextFile(
        join(app, "bin", "post_compile"),
        "echo post_compile ran\necho built-by-hook > built.txt\n",
      );
    }, async (app) => {
      const result = await stageApp(app, { manifest: await manifest() });
      try {
        const droplet = assertStaged(result);
        const log = result.log;
        const pre = log.indexOf("-----> Running pre_compile hook");
        const python = log.indexOf("-----> Installing python");
        const post = log.indexOf("-----> Running post_compile hook");
        assert.ok(pre >= 0 && python > pre && post > python, log);
        assert.match(log, /pre_compile ran in \S+\/tmp\/app/);
        assert.match(log, /post_compile ran/);
        assert.equal((await appInfo(droplet)).built, "built-by-hook");
      } finally {
        await cleanup(result);
      }
    });
  },
);

Deno.test("hooks: a failing hook fails staging with its output", opts, async () => {
  await withApp(async (app) => {
    await Deno.mkdir(join(app, "bin"));
    await Deno.writeTextFile(join(app, "bin", "pre_compile"), "echo about to fail >&2\nexit 3\n");
  }, async (app) => {
    const result = await stageApp(app, { manifest: await manifest() });
    await cleanup(result);
    assert.equal(result.exitCode, 223);
    assert.match(result.log, /about to fail/);
    assert.match(
      result.log,
      /\*\*ERROR\*\*.* The app's bin\/pre_compile hook failed with exit code 3/,
    );
  });
});

Deno.test(
  "multi-buildpack: as a supply buildpack, its Python serves the final buildpack's app",
  opts,
  async () => {
    await withApp(async (app) => {
      await Deno.remove(join(app, "Procfile"));
    }, async (app, tmp) => {
      const python = await buildpackCopy({ manifest: await manifest() });
      try {
        // A fake final buildpack in the style of the binary buildpack: it writes the
        // launch environment of every deps dir, as libbuildpack's finalize does.
        const final = await fakeBuildpack(tmp, "fake-binary", {
          supply: "true",
          finalize: [
            'deps="$3"; profile="$5"',
            'echo "export PATH=\\$DEPS_DIR/0/bin:\\$PATH" > "$profile/000_multi-supply.sh"',
            'echo "export LD_LIBRARY_PATH=\\$DEPS_DIR/0/lib" >> "$profile/000_multi-supply.sh"',
            'for f in "$deps"/0/profile.d/*; do cp "$f" "$profile/0_$(basename "$f")"; done',
          ].join("\n"),
          release: releaseWeb("python app.py"),
        });
        const result = await stageApp(app, { manifest: "", buildpacks: [python, final] });
        try {
          const droplet = assertStaged(result);
          assert.match(result.log, /bin\/supply \S+ \S+ \S+ 0\n/);
          const info = await appInfo(droplet);
          assert.equal(info.version, (await pythonRuntime("3.11"))!.version);
          assert.match(info.prefix, /\/home\/vcap\/deps\/0\/python$/);
        } finally {
          await cleanup(result);
        }
      } finally {
        await Deno.remove(python, { recursive: true });
      }
    });
  },
);

Deno.test(
  "multi-buildpack: as the final buildpack, 000_multi-supply.sh covers an earlier one",
  opts,
  async () => {
    await withApp(async () => {}, async (app, tmp) => {
      const python = await buildpackCopy({ manifest: await manifest() });
      try {
        const tool = await fakeBuildpack(tmp, "fake-tool", {
          supply: [
            'mkdir -p "$3/$4/bin" "$3/$4/profile.d"',
            'printf "#!/bin/sh\\necho hi\\n" > "$3/$4/bin/hello-tool"; chmod +x "$3/$4/bin/hello-tool"',
            'echo "export FROM_SUPPLY=tool-buildpack" > "$3/$4/profile.d/tool.sh"',
          ].join("\n"),
        });
        const result = await stageApp(app, { manifest: "", buildpacks: [tool, python] });
        try {
          const droplet = assertStaged(result);
          const info = await appInfo(droplet);
          assert.equal(info.env.FROM_SUPPLY, "tool-buildpack");
          assert.match(info.hello_tool, /\/home\/vcap\/deps\/0\/bin\/hello-tool$/);
          assert.match(info.prefix, /\/home\/vcap\/deps\/1\/python$/);
        } finally {
          await cleanup(result);
        }
      } finally {
        await Deno.remove(python, { recursive: true });
      }
    });
  },
);

Deno.test(
  "override.yml: an earlier buildpack pins python with a wrong sha256 and staging fails",
  opts,
  async () => {
    const rt = (await pythonRuntime("3.11"))!;
    await withApp(async () => {}, async (app, tmp) => {
      const python = await buildpackCopy({ manifest: await manifest() });
      try {
        const wrong = "1".repeat(64);
        const override = [
          "python:",
          "  default_versions:",
          "  - {name: python, version: 3.99.99}",
          "  dependencies:",
          `  - {name: python, version: 3.99.99, uri: "${rt.uri}", sha256: ${wrong}, cf_stacks: [cflinuxfs4]}`,
        ].join("\n");
        const pinner = await fakeBuildpack(tmp, "fake-pinner", {
          supply: `cat > "$3/$4/override.yml" <<'EOF'\n${override}\nEOF`,
        });
        const result = await stageApp(app, { manifest: "", buildpacks: [pinner, python] });
        await cleanup(result);
        assert.equal(result.exitCode, 223);
        assert.ok(
          result.log.includes(
            `Could not install python: dependency sha256 mismatch: expected sha256 ${wrong}, actual sha256 ${rt.sha256}`,
          ),
          result.log,
        );
      } finally {
        await Deno.remove(python, { recursive: true });
      }
    });
  },
);

Deno.test("legacy bin/compile stages an app for single-buildpack platforms", opts, async () => {
  await withApp(async () => {}, async (app) => {
    const python = await buildpackCopy({ manifest: await manifest() });
    try {
      // Without bin/supply and bin/finalize the builder falls back to bin/compile.
      await Deno.remove(join(python, "bin", "supply"));
      await Deno.remove(join(python, "bin", "finalize"));
      const result = await stageApp(app, { manifest: "", buildpacks: [python] });
      try {
        const droplet = assertStaged(result);
        assert.match(result.log, /bin\/compile /);
        const info = await appInfo(droplet);
        assert.match(info.prefix, /\/home\/vcap\/app\/\.cloudfoundry\/0\/python$/);
      } finally {
        await cleanup(result);
      }
    } finally {
      await Deno.remove(python, { recursive: true });
    }
  });
});

Deno.test(
  "the app's .profile.d and .profile are sourced at launch, .profile last",
  opts,
  async () => {
    await withApp(async (app) => {
      await Deno.mkdir(join(app, ".profile.d"));
      await Deno.writeTextFile(
        join(app, ".profile.d", "a.sh"),
        "export FROM_PROFILE_D=yes\nexport ORDER=profile.d\n",
      );
      await Deno.writeTextFile(
        join(app, ".profile"),
        'export FROM_PROFILE=yes\nexport ORDER="$ORDER,profile"\n',
      );
    }, async (app) => {
      const result = await stageApp(app, { manifest: await manifest() });
      try {
        const info = await appInfo(assertStaged(result));
        assert.equal(info.env.FROM_PROFILE_D, "yes");
        assert.equal(info.env.FROM_PROFILE, "yes");
        assert.equal(info.env.ORDER, "profile.d,profile");
      } finally {
        await cleanup(result);
      }
    });
  },
);

Deno.test("start command: none proposed without certainty; cf push -c works", opts, async () => {
  await withApp(async (app) => {
    await Deno.remove(join(app, "Procfile"));
  }, async (app) => {
    const none = await stageApp(app, { manifest: await manifest() });
    await cleanup(none);
    assert.equal(none.exitCode, 0);
    assert.match(none.log, /No default web process: gunicorn is not installed/);
    assert.match(none.log, /No start command specified by buildpack or via Procfile\./);
    const withC = await stageApp(app, {
      manifest: await manifest(),
      startCommand: "python app.py",
    });
    try {
      const info = await appInfo(assertStaged(withC));
      assert.match(info.prefix, /\/home\/vcap\/deps\/0\/python$/);
    } finally {
      await cleanup(withC);
    }
  });
});
