/**
 * The local PyPI mirror this machine's pip is configured with, turned into
 * the `PIP_*` variables a staging needs (staging runs with its own HOME, so
 * the user's pip.conf is not seen, exactly as on Cloud Foundry, where
 * private indexes are set with `cf set-env`). Nothing machine-specific is
 * written down: it is read from `pip config list` and the environment.
 * @module
 */

let cached: Record<string, string> | undefined | null = null;

function configValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = line.match(/^[^.]+\.([a-z-]+)='(.*)'$/);
    if (m) values.set(m[1], m[2]);
  }
  return values;
}

/**
 * `PIP_INDEX_URL` (the first mirror index, so pypi.org is never asked),
 * `PIP_EXTRA_INDEX_URL` and `PIP_FIND_LINKS`; undefined when pip has no
 * local mirror configured.
 */
export async function mirrorEnv(): Promise<Record<string, string> | undefined> {
  if (cached !== null) return cached;
  let text = "";
  for (const pip of ["pip3", "pip", "python3"]) {
    try {
      const args = pip === "python3" ? ["-m", "pip", "config", "list"] : ["config", "list"];
      const out = await new Deno.Command(pip, { args, stdout: "piped", stderr: "null" }).output();
      if (out.success) {
        text = new TextDecoder().decode(out.stdout);
        break;
      }
    } catch { /* try the next */ }
  }
  const values = configValues(text);
  const indexes = [
    ...(values.get("index-url") ?? Deno.env.get("PIP_INDEX_URL") ?? "").split(/\s+/),
    ...(values.get("extra-index-url") ?? Deno.env.get("PIP_EXTRA_INDEX_URL") ?? "").split(/\s+/),
  ].filter((u) => u && !u.includes("pypi.org"));
  const findLinks = values.get("find-links") ?? Deno.env.get("PIP_FIND_LINKS");
  if (!indexes.length && !findLinks) {
    cached = undefined;
    return cached;
  }
  cached = {
    ...(indexes.length ? { PIP_INDEX_URL: indexes[0] } : { PIP_NO_INDEX: "1" }),
    ...(indexes.length > 1 ? { PIP_EXTRA_INDEX_URL: indexes.slice(1).join(" ") } : {}),
    ...(findLinks ? { PIP_FIND_LINKS: findLinks } : {}),
    PIP_RETRIES: "0",
    PIP_TIMEOUT: "5",
  };
  return cached;
}
