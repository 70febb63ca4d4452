/**
 * How the buildpack starts pip: `python -c PIP_MAIN ARGS` runs pip's
 * `__main__` exactly as `python -m pip ARGS` does, then leaves with
 * `os._exit` once pip has returned, its output flushed and its log handlers
 * closed. That skips the interpreter's teardown of the ~600 modules pip
 * loaded: 0.10-0.15 s between pip's `Successfully installed` and its exit,
 * measured by hand (6 alternating runs: 0.101-0.147 s with `-m pip`,
 * 0.005-0.007 s with this), on the critical path of every staging that
 * installs. pip has removed its temp dirs and written every file by then (its
 * commands close them before returning). An exception pip does not handle
 * propagates as under `-m pip`: a traceback and exit code 1.
 * @module
 */

/** The `-c` script (see the module doc). */
export const PIP_MAIN = [
  "import logging, os, runpy, sys",
  "try:",
  "    runpy.run_module('pip', run_name='__main__', alter_sys=True)",
  "    code = 0",
  "except SystemExit as e:",
  "    code = e.code",
  "if code is None:",
  "    code = 0",
  "elif not isinstance(code, int):",
  "    print(code, file=sys.stderr)",
  "    code = 1",
  "logging.shutdown()",
  "sys.stdout.flush()",
  "sys.stderr.flush()",
  "os._exit(code)",
].join("\n");

/** The interpreter's arguments for `pip ARGS` (what `-m pip ARGS` would be). Pure. */
export function pipInterpreterArgs(args: string[]): string[] {
  return ["-c", PIP_MAIN, ...args];
}
