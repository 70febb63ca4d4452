/**
 * The staging summary printed at the end: where the time went (runtime,
 * packages, hooks, collectstatic, cache save), what the app cache gave, and
 * how big the installed environment is. Supply notes its part in the app
 * cache; finalize adds its own and prints it. {@link summaryLines} is pure.
 * @module
 */
import { join } from "../path.ts";

/** What supply did, for the summary. */
export interface SupplySummary {
  /** Seconds per step, in order (`runtime`, `packages`, `pre_compile hook`, `cache save`). */
  steps: [string, number][];
  /** `reused from the app cache` / `installed` (with the version). */
  runtime: string;
  /** `unchanged` / `fresh: 9 installed` / `incremental: 1 added, 2 removed, 1 upgraded` / `none`. */
  packages: string;
  /** The file that decided the packages (`requirements.txt`, `uv.lock`), if any. */
  source?: string;
  /** Size of `deps/<IDX>/python` in bytes, and the number of distributions in it. */
  installed?: { bytes: number; distributions: number };
}

const FILE = "staging-summary.json";

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

/**
 * The summary's lines (under a `Staging summary` step): one line per timed
 * step, `cache:` and `installed:`; every line starts with a fixed word so it
 * can be grepped. Pure.
 */
export function summaryLines(supply: SupplySummary, finalize: [string, number][]): string[] {
  const steps = [...supply.steps, ...finalize];
  const width = Math.max(...steps.map(([name]) => name.length), 0);
  const lines = steps.map(([name, s]) => `time: ${name.padEnd(width)} ${s.toFixed(2)} s`);
  lines.push(
    `cache: runtime ${supply.runtime}; packages ${supply.packages}` +
      (supply.source ? ` (${supply.source})` : ""),
  );
  if (supply.installed) {
    lines.push(
      `installed: ${formatBytes(supply.installed.bytes)} in deps/<IDX>/python, ` +
        `${supply.installed.distributions} distributions`,
    );
  }
  return lines;
}

/** Run `step`, adding its duration in seconds to `steps` under `name`. */
export async function timed<T>(
  steps: [string, number][],
  name: string,
  step: () => Promise<T>,
): Promise<T> {
  const start = performance.now();
  try {
    return await step();
  } finally {
    steps.push([name, (performance.now() - start) / 1000]);
  }
}

/** Note supply's part in the app cache for finalize. */
export async function noteSupplySummary(cacheDir: string, summary: SupplySummary): Promise<void> {
  await Deno.writeTextFile(join(cacheDir, FILE), JSON.stringify(summary));
}

/** Supply's part, if it noted one (then forgotten); undefined for anything unreadable. */
export async function takeSupplySummary(cacheDir: string): Promise<SupplySummary | undefined> {
  try {
    const data = JSON.parse(await Deno.readTextFile(join(cacheDir, FILE)));
    await Deno.remove(join(cacheDir, FILE)).catch(() => {});
    const ok = data && Array.isArray(data.steps) && typeof data.runtime === "string" &&
      typeof data.packages === "string";
    return ok ? data as SupplySummary : undefined;
  } catch {
    return undefined;
  }
}
