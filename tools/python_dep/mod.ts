/**
 * `deno task python-dep --prefix DIR --version V [--stack S]... --out DIR`
 *
 * Packages an installed CPython prefix (e.g. `$(pyenv prefix 3.11.7)`) as a
 * relocatable Cloud Foundry python dependency tarball and prints its manifest
 * entry as YAML on stdout. Progress goes to stderr.
 * @module
 */
import { parseArgs } from "node:util";
import { BuildpackError } from "../../lib/errors.ts";
import { Logger, type LogSink } from "../../lib/log.ts";
import { buildPythonDependency } from "./package.ts";
import { manifestEntryYaml } from "./manifest_entry.ts";

const USAGE =
  `Usage: deno task python-dep --prefix DIR --version V [--stack S]... --out DIR [--keep-debug] [--cf-layout]
  [--no-bytecode]

  --prefix DIR   installed CPython prefix, e.g. "$(pyenv prefix 3.11.7)"
  --version V    the version it must report (bin/python3 --version), e.g. 3.11.7
  --stack S      stack it is built for (repeatable; default cflinuxfs4)
  --out DIR      directory for the tarball (created when missing)
  --keep-debug   do not strip debug sections from the binaries (strip --strip-debug)
  --cf-layout    shape it like the official CF tarballs: no RUNPATH at all (needs the
                 buildpack's LD_LIBRARY_PATH) and _tkinter's Tcl/Tk libraries in
                 usr/lib/<multiarch>/
  --no-bytecode  ship no .pyc files, like the official CF tarballs (the buildpack
                 compiles what pip imports beside pip at staging)

Prints the manifest entry (name, version, uri, sha256, cf_stacks, source) as YAML.
The tar entries' mtime is $SOURCE_DATE_EPOCH (default 0).
`;

const encoder = new TextEncoder();

/** Log lines go to stderr so stdout carries only the YAML. */
const stderrSink: LogSink = { write: (text) => writeAll(Deno.stderr, text) };

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const data = encoder.encode(text);
  let written = 0;
  while (written < data.length) written += stream.writeSync(data.subarray(written));
}

/** Run the CLI with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const log = new Logger(stderrSink);
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        prefix: { type: "string" },
        version: { type: "string" },
        stack: { type: "string", multiple: true },
        out: { type: "string" },
        "keep-debug": { type: "boolean" },
        "cf-layout": { type: "boolean" },
        "no-bytecode": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    log.error(e instanceof Error ? e.message : String(e));
    stderrSink.write(USAGE);
    return 2;
  }
  if (values.help) {
    stderrSink.write(USAGE);
    return 0;
  }
  const missing = (["prefix", "version", "out"] as const).filter((k) => !values[k]);
  if (missing.length) {
    log.error(`Missing ${missing.map((m) => `--${m}`).join(", ")}.`);
    stderrSink.write(USAGE);
    return 2;
  }
  try {
    const built = await buildPythonDependency({
      prefix: values.prefix!,
      version: values.version!,
      outDir: values.out!,
      stacks: values.stack,
      stripDebug: !values["keep-debug"],
      cfLayout: values["cf-layout"] ?? false,
      bytecode: !values["no-bytecode"],
      log,
    });
    const t = built.timings;
    log.info(
      "Timings: " + Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(", "),
    );
    writeAll(Deno.stdout, manifestEntryYaml(built.entry));
    return 0;
  } catch (e) {
    if (e instanceof BuildpackError) {
      log.error(e.message);
      return e.exitCode;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
