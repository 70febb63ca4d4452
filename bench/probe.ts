/**
 * Memory probe, run as its own deno process by the `rss` benchmark:
 * `deno run -A bench/probe.ts baseline` loads the buildpack's whole module
 * graph (what every phase loads) and does nothing; `... extract TARBALL DIR`
 * also runs `extractArchive`. Prints this process's `VmHWM` in KiB, so the
 * share of supply's peak that extraction causes can be told apart.
 * @module
 */
import "../mod.ts";
import { extractArchive } from "../lib/deps/extract.ts";

function vmHwmKb(): number {
  const m = Deno.readTextFileSync("/proc/self/status").match(/^VmHWM:\s*(\d+)\s*kB$/m);
  return m ? Number(m[1]) : NaN;
}

if (import.meta.main) {
  const [mode, tarball, target] = Deno.args;
  if (mode === "extract") await extractArchive(tarball, target);
  else if (mode !== "baseline") throw new Error("usage: probe.ts baseline | extract TARBALL DIR");
  console.log(vmHwmKb());
}
