/**
 * `deno task example`: stage the bundled example app (examples/flask_app)
 * with this buildpack in the local emulator and start it.
 *
 * With the real manifest when its Python download is reachable; otherwise
 * with a runtime that `python-dep` builds from a local CPython (pyenv), and
 * pip pointed at the machine's configured package mirror. It says which.
 * @module
 */
import { join } from "node:path";
import { DEFAULT_BUILDPACK, stage, start } from "./stage/mod.ts";
import { loadManifest } from "../lib/manifest.ts";
import { choosePython } from "../lib/python/version_sources.ts";
import { pythonRuntime, skipReason, testManifest } from "../tests/support/runtimes.ts";
import { mirrorEnv } from "../tests/support/pip_mirror.ts";

const STACK = "cflinuxfs4";
const APP = join(DEFAULT_BUILDPACK, "examples", "flask_app");

async function reachable(uri: string): Promise<boolean> {
  try {
    const res = await fetch(uri, { method: "HEAD", signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

async function localManifest(): Promise<string | undefined> {
  for (const minor of ["3.11", "3.12", "3.13", "3.10"]) {
    if (skipReason(minor)) continue;
    console.log(`[example] building a Python ${minor} runtime from the local CPython (python-dep)`);
    const rt = await pythonRuntime(minor);
    if (rt) return testManifest([rt]);
  }
  return undefined;
}

async function main(): Promise<number> {
  const manifest = await loadManifest(DEFAULT_BUILDPACK);
  const python = choosePython(manifest, STACK, undefined).dependency;
  let manifestFile: string | undefined;
  if (await reachable(python.uri)) {
    console.log(`[example] using the real manifest: python ${python.version} from ${python.uri}`);
  } else {
    console.log(`[example] ${python.uri} is not reachable from here`);
    const text = await localManifest();
    if (!text) {
      console.error(
        "[example] no local CPython found either (pyenv versions --bare): cannot stage",
      );
      return 1;
    }
    manifestFile = await Deno.makeTempFile({ prefix: "example-manifest-", suffix: ".yml" });
    await Deno.writeTextFile(manifestFile, text);
    console.log(`[example] using a local manifest: ${manifestFile}`);
  }
  const env = (await mirrorEnv()) ?? {};
  if (Object.keys(env).length) {
    console.log(
      `[example] pip uses this machine's package mirror: ${
        env.PIP_INDEX_URL ?? env.PIP_FIND_LINKS
      }`,
    );
  }
  const result = await stage({
    appDir: APP,
    buildpacks: [DEFAULT_BUILDPACK],
    manifest: manifestFile,
    env,
  });
  if (result.exitCode !== 0 || !result.dropletPath) return result.exitCode || 1;
  const app = await start(result.dropletPath, {
    output: (c) => Deno.stdout.writeSync(new TextEncoder().encode(c)),
  });
  console.log(`listening on ${app.url}`);
  const res = await fetch(app.url);
  console.log(`[example] GET ${app.url}/ -> ${res.status} ${JSON.stringify(await res.text())}`);
  const stop = async () => {
    await app.stop();
    await Deno.remove(result.workDir, { recursive: true }).catch(() => {});
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  if (Deno.env.get("EXAMPLE_EXIT_AFTER_CHECK")) await stop();
  await app.exited;
  return 0;
}

Deno.exit(await main());
