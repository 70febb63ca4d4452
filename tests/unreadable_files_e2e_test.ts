/**
 * End to end: app files the buildpack cannot read are errors naming the file
 * and the reason, never "no packages" or a crash. Staging runs as root here
 * (root reads any file), so supply runs under `setpriv` without the
 * capabilities that bypass file permissions, as the platform's vcap user
 * would be.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pythonRuntime, testManifest } from "./support/runtimes.ts";
import { buildpackCopy } from "./support/buildpack_copy.ts";
import { copy } from "./support/files.ts";
import { runSupply } from "./support/direct_supply.ts";
import { REPO } from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const DROP = ["--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all"];

function setprivReason(): string | undefined {
  try {
    const out = new Deno.Command("setpriv", {
      args: [...DROP, "true"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return out.success ? undefined : "setpriv cannot drop capabilities here";
  } catch {
    return "setpriv (util-linux) is not installed";
  }
}

const opts = e2eOptions("unreadable files", setprivReason());

Deno.test(
  "an unreadable requirements.txt or runtime.txt fails naming the file and the reason",
  opts,
  async () => {
    const manifest = testManifest([(await pythonRuntime("3.11"))!]);
    const buildpack = await buildpackCopy({ manifest });
    const app = await copy(join(REPO, "examples", "flask_app"));
    const cache = await Deno.makeTempDir({ prefix: "e2e-cache-" });
    const deps = await Deno.makeTempDir({ prefix: "e2e-deps-" });
    // The buildpack copy must stay readable without those capabilities.
    await Deno.chmod(cache, 0o777);
    await Deno.chmod(deps, 0o777);
    try {
      for (const file of ["requirements.txt", "runtime.txt"]) {
        const path = join(app, file);
        if (file === "runtime.txt") await Deno.writeTextFile(path, "python-3.11.x\n");
        await Deno.chmod(path, 0o000);
        const run = await runSupply(buildpack, { app, cache, deps }, {
          env: Deno.env.toObject(),
          wrapper: ["setpriv", ...DROP],
        });
        assert.notEqual(run.code, 0, run.log);
        assert.match(
          run.log,
          new RegExp(`\\*\\*ERROR\\*\\*\\S* Could not read ${file.replace(".", "\\.")}`),
          run.log,
        );
        assert.match(run.log, /[Pp]ermission denied/);
        assert.doesNotMatch(run.log, /This is a bug/);
        await Deno.chmod(path, 0o644);
      }
    } finally {
      for (const dir of [buildpack, app, cache, deps]) await Deno.remove(dir, { recursive: true });
    }
  },
);
