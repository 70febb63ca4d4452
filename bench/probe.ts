/**
 * Memory probe, run as its own deno process by the `rss` benchmark:
 * `deno run -A bench/probe.ts baseline` loads the buildpack's whole module
 * graph (what every phase loads) and does nothing; `... extract TARBALL DIR`
 * also runs `extractArchive` (`extract-in-process`: inflating with
 * `DecompressionStream` instead of a gzip child); `... install TARBALL SHA256
 * DIR` runs what supply runs for a `file://` runtime (verify, keep a copy in
 * an app cache under DIR, extract). Prints this process's `VmHWM` in KiB, so the
 * share of supply's peak that extraction causes can be told apart. The `rss`
 * benchmark runs it with supply's V8 flags (`tools/package/compile.ts`
 * `V8_FLAGS`); by hand, pass them too
 * (`--v8-flags=--max-semi-space-size=1,--single-threaded,--no-turbofan`).
 * @module
 */
import "../mod.ts";
import { pathToFileURL } from "node:url";
import { extractArchive } from "../lib/deps/extract.ts";
import { DependencyInstaller } from "../lib/deps/install.ts";
import { Logger, MemorySink } from "../lib/log.ts";
import type { Dependency } from "../lib/manifest.ts";

function vmHwmKb(): number {
  const m = Deno.readTextFileSync("/proc/self/status").match(/^VmHWM:\s*(\d+)\s*kB$/m);
  return m ? Number(m[1]) : NaN;
}

if (import.meta.main) {
  const [mode, tarball, target, dir] = Deno.args;
  if (mode === "extract") await extractArchive(tarball, target);
  else if (mode === "extract-in-process") {
    await extractArchive(tarball, target, { inProcess: true });
  } else if (mode === "install") {
    const dep = { name: "python", version: "0", uri: pathToFileURL(tarball).href, sha256: target };
    const installer = new DependencyInstaller({
      root: `${dir}/buildpack`,
      cacheDir: `${dir}/cache`,
      log: new Logger(new MemorySink()),
    });
    await installer.install(dep as unknown as Dependency, `${dir}/python`);
  } else if (mode !== "baseline") {
    throw new Error(
      "usage: probe.ts baseline | extract[-in-process] TARBALL DIR | install TARBALL SHA256 DIR",
    );
  }
  console.log(vmHwmKb());
}
