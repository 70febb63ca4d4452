/**
 * A STAND-IN for pipenv, for the Pipfile-locking tests: pipenv is neither on
 * this machine's pip mirror nor downloadable here. Built at test time as a
 * real wheel, `pipenv-2026.7.1-py3-none-any.whl`, whose `python -m pipenv`
 * implements only `lock`: it reads the Pipfile named by PIPENV_PIPFILE,
 * resolves its [packages] with `pip install --dry-run --report` against the
 * Pipfile's first [[source]] (env-expanded, as pipenv does) and writes
 * Pipfile.lock beside it in pipenv's format (markers omitted). The wheel is
 * packed into a .tgz the way the buildpack's manifest ships pipenv, so the
 * buildpack's code path is the one it takes with real pipenv.
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { zipSync } from "fflate";
import { fileUri } from "../../tools/python_dep/manifest_entry.ts";

/** The pipenv version the stand-in claims (the official manifest's cflinuxfs4 one). */
export const STAND_IN_PIPENV_VERSION = "2026.7.1";

/** The stand-in's `pipenv/__main__.py`. */
export const STAND_IN_MAIN =
  `"""STAND-IN for pipenv (buildpack tests only): implements \`pipenv lock\` alone."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import tomllib


def expand(url):
    return os.path.expandvars(url)


def requirement(name, spec):
    if isinstance(spec, dict):
        extras = "[" + ",".join(spec["extras"]) + "]" if spec.get("extras") else ""
        spec = spec.get("version", "*")
    else:
        extras = ""
    return name + extras + ("" if spec in ("*", "") else spec)


def lock():
    pipfile = os.environ.get("PIPENV_PIPFILE") or os.path.join(os.getcwd(), "Pipfile")
    with open(pipfile, "rb") as f:
        raw = f.read()
    data = tomllib.loads(raw.decode())
    sources = data.get("source") or [
        {"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}
    ]
    specs = [requirement(n, s) for n, s in (data.get("packages") or {}).items()]
    python = os.environ.get("PIPENV_PYTHON") or sys.executable
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    default = {}
    if specs:
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "report.json")
            index = ["--index-url", expand(sources[0]["url"])]
            print("Locking [packages] dependencies...", flush=True)
            done = subprocess.run(
                [python, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                 "--quiet", "--report", report, *index, *specs],
                env=env,
            )
            if done.returncode != 0:
                print("ERROR: could not resolve " + " ".join(specs), file=sys.stderr)
                return 1
            with open(report) as f:
                installs = json.load(f).get("install", [])
        for item in installs:
            meta = item["metadata"]
            info = item.get("download_info", {}).get("archive_info", {})
            hashes = info.get("hashes") or {}
            if "sha256" not in hashes and info.get("hash", "").startswith("sha256="):
                hashes = {"sha256": info["hash"][len("sha256="):]}
            if "sha256" not in hashes:
                print("ERROR: no sha256 for " + meta["name"], file=sys.stderr)
                return 1
            name = meta["name"].lower().replace("_", "-").replace(".", "-")
            default[name] = {
                "hashes": ["sha256:" + hashes["sha256"]],
                "version": "==" + meta["version"],
            }
    requires = data.get("requires") or {}
    out = {
        "_meta": {
            "hash": {"sha256": hashlib.sha256(raw).hexdigest()},
            "pipfile-spec": 6,
            "requires": requires,
            "sources": sources,
        },
        "default": dict(sorted(default.items())),
        "develop": {},
    }
    with open(os.path.join(os.path.dirname(pipfile), "Pipfile.lock"), "w") as f:
        json.dump(out, f, indent=4, sort_keys=True)
        f.write("\\n")
    print("Updated Pipfile.lock (stand-in pipenv)!", flush=True)
    return 0


def main(argv):
    if argv[:1] != ["lock"]:
        print("stand-in pipenv implements only 'lock', not %r" % argv, file=sys.stderr)
        return 2
    return lock()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
`;

function recordHash(data: Uint8Array): string {
  return "sha256=" + createHash("sha256").update(data).digest("base64url");
}

/** The stand-in wheel's bytes (a valid wheel: METADATA, WHEEL and RECORD). */
export function standInPipenvWheel(): Uint8Array {
  const v = STAND_IN_PIPENV_VERSION;
  const info = `pipenv-${v}.dist-info`;
  const enc = (s: string) => new TextEncoder().encode(s);
  const files: Record<string, Uint8Array> = {
    "pipenv/__init__.py": enc(`"""STAND-IN pipenv for buildpack tests."""\n__version__ = "${v}"\n`),
    "pipenv/__main__.py": enc(STAND_IN_MAIN),
    [`${info}/METADATA`]: enc(
      `Metadata-Version: 2.1\nName: pipenv\nVersion: ${v}\n` +
        "Summary: STAND-IN for pipenv (buildpack tests only): implements `pipenv lock`\n" +
        "Requires-Python: >=3.11\n",
    ),
    [`${info}/WHEEL`]: enc(
      "Wheel-Version: 1.0\nGenerator: stand_in_pipenv.ts\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    ),
  };
  const record = Object.entries(files)
    .map(([path, data]) => `${path},${recordHash(data)},${data.length}`)
    .concat(`${info}/RECORD,,`)
    .join("\n") + "\n";
  files[`${info}/RECORD`] = enc(record);
  return zipSync(files);
}

/** The packed stand-in: a .tgz holding the wheel one level down, as a manifest dependency. */
export interface StandInPipenv {
  /** Absolute path of the .tgz. */
  path: string;
  /** Its sha256, hex. */
  sha256: string;
  /** `file://` URI of it. */
  uri: string;
}

/** Write the stand-in wheel into `dir/pipenv/` and pack it as `dir/stand-in-pipenv-<v>.tgz`. */
export async function packStandInPipenv(dir: string): Promise<StandInPipenv> {
  const v = STAND_IN_PIPENV_VERSION;
  await Deno.mkdir(join(dir, "src", "pipenv"), { recursive: true });
  await Deno.writeFile(
    join(dir, "src", "pipenv", `pipenv-${v}-py3-none-any.whl`),
    standInPipenvWheel(),
  );
  const path = join(dir, `stand-in-pipenv-${v}.tgz`);
  const out = await new Deno.Command("tar", {
    args: ["-czf", path, "-C", join(dir, "src"), "pipenv"],
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`tar failed: ${new TextDecoder().decode(out.stderr)}`);
  const sha256 = createHash("sha256").update(await Deno.readFile(path)).digest("hex");
  return { path, sha256, uri: fileUri(path) };
}

/** The `pipenv` manifest entry (raw YAML item for `testManifest`'s `extra`). */
export function pipenvEntry(standIn: StandInPipenv, stack = "cflinuxfs4"): string {
  return `- name: pipenv
  version: ${STAND_IN_PIPENV_VERSION}
  uri: ${standIn.uri}
  sha256: ${standIn.sha256}
  cf_stacks:
  - ${stack}
`;
}
