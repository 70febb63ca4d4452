/**
 * NLTK corpora: when the app lists package ids in `nltk.txt` and nltk is
 * installed, `python -m nltk.downloader` fetches them into
 * `deps/<IDX>/python/nltk_data` (NLTK_DATA at runtime). The downloader
 * reads its server index URL from `NLTK_DOWNLOAD_URL`, so a private corpus
 * mirror is set with `cf set-env`.
 * @module
 */
import { sha256Hex } from "../digest.ts";
import { join } from "../path.ts";
import type { Logger } from "../log.ts";
import { run } from "../process.ts";
import { nltkDownloadFailed } from "../errors.ts";
import { installedDistributions, sitePackagesDir } from "./site_packages.ts";

/** Package ids in an `nltk.txt`: whitespace or comma separated, `#` comments ignored. */
export function parseNltkTxt(text: string): string[] {
  const ids = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n")
    .map((l) => l.replace(/#.*$/, ""))
    .flatMap((l) => l.split(/[\s,]+/))
    .filter(Boolean);
  return [...new Set(ids)];
}

/** Lines of the downloader's output that report a failure (it exits 0 regardless). */
export function downloaderErrors(output: string): string[] {
  return output.split("\n").map((l) => l.trim())
    .filter((l) =>
      /^\[nltk_data\]\s*(Error|.*\b(failed|mismatch|blocked|not found)\b)/i.test(l) ||
      /^(Traceback|\w*Error:)/.test(l)
    );
}

const MARKER = ".buildpack-nltk";

/**
 * Download the corpora `nltk.txt` lists. Returns whether `nltk_data` is in
 * place (for NLTK_DATA). Skips the download when the same ids from the same
 * server were fetched into a reused environment.
 */
export async function downloadNltkData(
  options: { buildDir: string; pythonDir: string; env: Record<string, string>; log: Logger },
): Promise<boolean> {
  const { log, pythonDir } = options;
  const dataDir = join(pythonDir, "nltk_data");
  let text: string;
  try {
    text = await Deno.readTextFile(join(options.buildDir, "nltk.txt"));
  } catch {
    return false;
  }
  const sp = sitePackagesDir(pythonDir);
  if (!sp || !installedDistributions(sp).includes("nltk")) {
    log.warning(
      "nltk.txt is present but nltk is not installed: no NLTK corpora were downloaded. " +
        "Add nltk to requirements.txt (or Pipfile) to have them downloaded.",
    );
    return false;
  }
  const ids = parseNltkTxt(text);
  if (!ids.length) {
    log.warning("nltk.txt lists no NLTK package ids: nothing to download");
    return false;
  }
  const key = await sha256Hex(JSON.stringify([ids, options.env.NLTK_DOWNLOAD_URL ?? ""]));
  const marker = join(dataDir, MARKER);
  if ((await Deno.readTextFile(marker).catch(() => "")) === key) {
    log.info(`NLTK packages unchanged since the previous staging: ${ids.join(" ")}`);
    return true;
  }
  log.info(`Downloading NLTK packages: ${ids.join(" ")}`);
  await Deno.mkdir(dataDir, { recursive: true });
  const res = await run(
    join(pythonDir, "bin", "python3"),
    ["-m", "nltk.downloader", "-e", "-d", dataDir, ...ids],
    { cwd: options.buildDir, env: options.env, log },
  );
  const errors = downloaderErrors(res.output);
  if (res.code !== 0 || errors.length) {
    throw nltkDownloadFailed(ids, {
      detail: errors[0] ?? `exit code ${res.code}`,
      server: options.env.NLTK_DOWNLOAD_URL,
    });
  }
  await Deno.writeTextFile(marker, key);
  return true;
}
