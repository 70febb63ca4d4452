/**
 * Bytecode for runtimes shipped without it. The official runtime tarballs
 * carry no `__pycache__`: the first `python -m pip` of every staging then
 * compiles the ~560 files pip imports (stdlib and pip's own) as it goes,
 * about 1.1-1.6 s of a 1.5 s pip run. Started as soon as the runtime is
 * extracted, a second process compiles the same files from the other end of
 * pip's import order ({@link PIP_IMPORTS}), skipping those pip has compiled
 * by the time it gets there, so the two meet about halfway and pip finds the
 * rest compiled. A cached buildpack that carries this runtime's bytecode
 * archive (`bytecode_archive.ts`) has them all compiled before pip starts,
 * and this compiler does not start.
 *
 * It never changes what gets installed: the stdlib's `.pyc` files are
 * written as `unchecked-hash` (valid whatever the mtimes; pip never touches
 * the stdlib), pip's own as `checked-hash` (checked against the source at
 * import, so an app that upgrades pip meanwhile gets no stale bytecode), and
 * both Python and this compiler write each `.pyc` atomically (a temp file
 * renamed), so whichever writes last leaves a valid file.
 *
 * Also the installed packages' bytecode for every install plan's pip runs
 * ({@link compileInstalledBesidePip}): pip runs with `--no-compile` and a
 * second process compiles each distribution once pip has written it, then
 * what is left on every CPU once pip is done, so that compiling, a third of
 * a pinned install with a local index, mostly overlaps pip instead of
 * following each package's install on pip's one core.
 * @module
 */
import { join } from "../path.ts";
import { PIP_IMPORTS } from "./pip_imports.ts";

/** One file for the compiler: its path and how its `.pyc` is checked. */
export interface CompileItem {
  /** Absolute path of the `.py` file. */
  path: string;
  /** `u`: unchecked-hash (stdlib), `c`: checked-hash (site-packages). */
  mode: "u" | "c";
}

/**
 * The compiler, run as `python -c`: reads `<mode> <path>` lines on stdin and
 * compiles each, skipping what already has a `.pyc` (pip's, or its own
 * imports') and what fails (pip then compiles it itself, or the app does at
 * its first import, as without this). With an argument, the root the
 * recorded source names are relative to (the packager's: no path of the
 * build machine in the `.pyc`; Python puts the real path in at import).
 */
export const COMPILER = [
  "import importlib.util, os, sys, py_compile",
  "M = py_compile.PycInvalidationMode",
  "root = sys.argv[1] if len(sys.argv) > 1 else None",
  "n = 0",
  "for line in sys.stdin:",
  "    mode, path = line.rstrip('\\n').split(' ', 1)",
  "    try:",
  // pip got here first (it imports from the other end): compiling again is wasted CPU.
  "        if os.path.exists(importlib.util.cache_from_source(path)):",
  "            continue",
  "        py_compile.compile(path, doraise=True, invalidation_mode=" +
  "M.UNCHECKED_HASH if mode == 'u' else M.CHECKED_HASH, " +
  "dfile=os.path.relpath(path, root) if root else None)",
  "        n += 1",
  "    except Exception:",
  "        pass",
  "print(n)",
  // No interpreter teardown (~18 ms): every file is written and closed.
  "sys.stdout.flush()",
  "os._exit(0)",
].join("\n");

/** `lib/python3.X` of a runtime, from its `X.Y[.Z]` version. */
export function stdlibDir(pythonDir: string, version: string): string {
  const [major, minor] = version.split(".");
  return join(pythonDir, "lib", `python${major}.${minor}`);
}

/** The `.pyc` that shows a runtime ships bytecode: `os`'s, which every Python imports. */
export function osPyc(pythonDir: string, version: string): string {
  const [major, minor] = version.split(".");
  return join(stdlibDir(pythonDir, version), "__pycache__", `os.cpython-${major}${minor}.pyc`);
}

/** Where Python caches the bytecode of `rel` (`a/b.py` to `a/__pycache__/b.cpython-311.pyc`). */
export function pycOf(rel: string, version: string): string {
  const [major, minor] = version.split(".");
  const slash = rel.lastIndexOf("/");
  const dir = slash < 0 ? "" : rel.slice(0, slash + 1);
  const stem = rel.slice(slash + 1).replace(/\.py$/, "");
  return `${dir}__pycache__/${stem}.cpython-${major}${minor}.pyc`;
}

/** The source of a `.pyc` path (`a/__pycache__/b.cpython-311.pyc` to `a/b.py`); undefined for other files. */
export function sourceOfPyc(rel: string): string | undefined {
  const m = rel.match(/^(.*?)(?:^|\/)__pycache__\/([^/]+?)\.[a-z]+-\d+(?:\.opt-\d)?\.pyc$/);
  if (!m) return undefined;
  return m[1] ? `${m[1]}/${m[2]}.py` : `${m[2]}.py`;
}

/** A `.py` path inside the stdlib dir (no absolute path, no `..`). */
function compilable(rel: string): boolean {
  return !rel.startsWith("/") && !rel.split("/").includes("..") && rel.endsWith(".py");
}

/**
 * What to compile, in order: pip's imports from last to first (pip goes the
 * other way), only those that need it; stdlib files unchecked, site-packages
 * files checked. Pure.
 *
 * @param stdlib the runtime's `lib/python3.X`
 * @param needsCompiling whether a source (relative to `stdlib`) exists and
 *   has no `.pyc` yet (a runtime restored from the app cache has them all)
 * @param imports pip's imports in import order (default {@link PIP_IMPORTS})
 */
export function compileOrder(
  stdlib: string,
  needsCompiling: (rel: string) => boolean,
  imports: readonly string[] = PIP_IMPORTS,
): CompileItem[] {
  const items: CompileItem[] = [];
  for (let i = imports.length - 1; i >= 0; i--) {
    const rel = imports[i];
    if (!compilable(rel) || !needsCompiling(rel)) continue;
    items.push({ path: join(stdlib, rel), mode: rel.startsWith("site-packages/") ? "c" : "u" });
  }
  return items;
}

/** A compile running beside pip. */
export interface BytecodeJob {
  /** Files handed to the compiler. */
  files: number;
  /** Resolves once the compiler has exited (never rejects): how many it compiled, and when. */
  finished: Promise<{ compiled: number; ms: number }>;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * `python3 -I -c SCRIPT ARGS...` of the runtime with stdin and stdout piped
 * (-I: isolated: no user site, no PYTHON* variables, no cwd on sys.path);
 * undefined when it cannot start.
 */
function startIsolatedPython(
  pythonDir: string,
  scriptAndArgs: string[],
  env: Record<string, string>,
): Deno.ChildProcess | undefined {
  try {
    return new Deno.Command(join(pythonDir, "bin", "python3"), {
      args: ["-I", "-c", ...scriptAndArgs],
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
  } catch {
    return undefined;
  }
}

/**
 * When the runtime at `pythonDir` has no bytecode, start compiling what pip
 * is about to import, in a child process; undefined when the runtime has
 * bytecode already (os's `.pyc`, that of the compiler's first file, or a `.pyc`
 * for every file pip imports). Await `finished` before the
 * environment is saved or the droplet is made.
 *
 * @param pythonDir the installed runtime (`<deps>/0/python`)
 * @param options.version its version (`3.11.7`)
 * @param options.env the environment pip gets (`LD_LIBRARY_PATH` for libpython)
 */
export function compileBytecodeBehindPip(
  pythonDir: string,
  options: { version: string; env: Record<string, string> },
): BytecodeJob | undefined {
  const stdlib = stdlibDir(pythonDir, options.version);
  if (isFile(osPyc(pythonDir, options.version))) return undefined;
  // os is frozen in 3.11+ and never gets a .pyc from a run: a runtime that had none
  // and was staged before (a restored environment) shows it by the compiler's first file.
  const first = PIP_IMPORTS.findLast(compilable);
  if (first && isFile(join(stdlib, pycOf(first, options.version)))) return undefined;
  const items = compileOrder(
    stdlib,
    (rel) => isFile(join(stdlib, rel)) && !isFile(join(stdlib, pycOf(rel, options.version))),
  );
  if (items.length === 0) return undefined;
  const started = performance.now();
  const child = startIsolatedPython(pythonDir, [COMPILER], options.env);
  if (!child) return undefined; // An optimisation: pip compiles what it needs anyway.
  const input = items.map((i) => `${i.mode} ${i.path}\n`).join("");
  const finished = (async () => {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(input)).catch(() => {});
    await writer.close().catch(() => {});
    const text = await new Response(child.stdout).text().catch(() => "");
    await child.status;
    const compiled = Number(text.trim());
    return {
      compiled: Number.isInteger(compiled) ? compiled : 0,
      ms: performance.now() - started,
    };
  })();
  return { files: items.length, finished };
}

/**
 * The compiler of installed packages, run as `python -I -c` with the dirs
 * pip installs into (site-packages) as arguments, beside a pip run with
 * `--no-compile`. It notes the `RECORD` of every distribution already
 * there, then every 10 ms looks for a new or replaced `RECORD` (pip writes
 * it last, atomically, once all the distribution's files are written) and
 * compiles the `.py` files it lists, as pip would have: the same
 * `compileall.compile_file(path, force=True)` in the same (sorted) order, so
 * the same timestamp-based `.pyc` (checked-hash with `SOURCE_DATE_EPOCH`, as
 * pip's), failures skipped as pip skips them, and each `.pyc` added to
 * `RECORD` as pip adds it (`path,,`, rows sorted, CSV with CRLF, written to
 * a temp file and renamed), so the distribution ends up as pip with
 * compiling leaves it. Only files inside those dirs are compiled. A line or
 * the end of stdin means pip is done: it looks once more, compiles what is
 * left and prints how many files it compiled.
 */
export const INSTALLED_COMPILER = [
  // Only what is built in or frozen until pip installs something: with a runtime without
  // bytecode, pip and the other compiler have both CPUs busy compiling until then.
  "import os, select, stat, sys, time",
  "compileall = csv = importlib = None",
  "def load():",
  "    global compileall, csv, importlib",
  "    if csv is None:",
  "        import compileall, csv, importlib.util, warnings",
  "        warnings.filterwarnings('ignore')",
  "dirs = [os.path.normpath(d) for d in sys.argv[1:]]",
  "def key(p):",
  "    s = os.stat(p)",
  "    return (s.st_ino, s.st_mtime_ns, s.st_size)",
  "def records():",
  "    out = {}",
  "    for d in dirs:",
  "        try:",
  "            names = os.listdir(d)",
  "        except OSError:",
  "            continue",
  "        for name in names:",
  "            if name.endswith('.dist-info'):",
  "                p = os.path.join(d, name, 'RECORD')",
  "                try:",
  "                    out[p] = (d, key(p))",
  "                except OSError:",
  "                    pass",
  "    return out",
  "def read_rows(p):",
  "    load()",
  "    with open(p, newline='', encoding='utf-8') as f:",
  "        return [tuple((list(r) + ['', ''])[:3]) for r in csv.reader(f) if r]",
  "seen = {p: k for p, (d, k) in records().items()}",
  "dists = {}",
  "def scan(final):",
  "    for p, (d, k) in records().items():",
  "        if seen.get(p) == k:",
  "            continue",
  "        seen[p] = k",
  "        try:",
  "            rows = read_rows(p)",
  "        except Exception:",
  "            continue",
  "        installer = os.path.basename(os.path.dirname(p)) + '/INSTALLER'",
  "        if not final and not any(r[0] == installer for r in rows):",
  "            continue",
  "        todo = []",
  "        for r in sorted(set(rows)):",
  "            path = os.path.normpath(os.path.join(d, r[0]))",
  "            if r[0].endswith('.py') and path.startswith(d + os.sep) and os.path.isfile(path):",
  "                todo.append(path)",
  "        dists[p] = {'d': d, 'todo': todo, 'ok': []}",
  "def compile_one(path):",
  "    load()",
  "    try:",
  "        return compileall.compile_file(path, force=True, quiet=2)",
  "    except Exception:",
  "        return False",
  "def add_rows(p, x):",
  "    try:",
  "        rows = read_rows(p)",
  "        listed = {r[0] for r in rows}",
  "        added = []",
  "        for path in x['ok']:",
  "            rel = os.path.relpath(importlib.util.cache_from_source(path), x['d'])",
  "            rel = rel.replace(os.sep, '/')",
  "            if rel not in listed:",
  "                listed.add(rel)",
  "                added.append((rel, '', ''))",
  "        if added:",
  "            tmp = p + '.buildpack-tmp'",
  "            with open(tmp, 'w', newline='', encoding='utf-8') as f:",
  "                csv.writer(f).writerows(sorted(rows + added))",
  "            os.chmod(tmp, stat.S_IMODE(os.stat(p).st_mode))",
  "            os.replace(tmp, p)",
  "    except Exception:",
  "        pass",
  "def pip_done(timeout):",
  "    return bool(select.select([sys.stdin], [], [], timeout)[0])",
  "last = 0.0",
  "while True:",
  "    if time.monotonic() - last > 0.01:",
  "        scan(False)",
  "        last = time.monotonic()",
  "    busy = [x for x in dists.values() if x['todo']]",
  "    if not busy:",
  "        if pip_done(0.01):",
  "            break",
  "        continue",
  "    x = busy[0]",
  "    path = x['todo'].pop(0)",
  "    if compile_one(path):",
  "        x['ok'].append(path)",
  "    if pip_done(0):",
  "        break",
  "scan(True)",
  "order = list(dists.values())",
  "rest = [(i, path) for i, x in enumerate(order) for path in x['todo']]",
  "try:",
  "    cpus = len(os.sched_getaffinity(0))",
  "except Exception:",
  "    cpus = 1",
  "if rest:",
  "    load()  # once, before the children fork",
  "n = max(1, min(cpus, 4, len(rest)))",
  "shares = [rest[k::n] for k in range(n)]",
  "children = []",
  "for share in shares[1:]:",
  "    try:",
  "        r, w = os.pipe()",
  "        pid = os.fork()",
  "    except OSError:",
  "        shares[0] = shares[0] + share",
  "        continue",
  "    if pid == 0:",
  "        os.close(r)",
  "        os.close(1)",
  "        parent = os.getppid()",
  "        ok = []",
  "        for i, path in share:",
  "            if os.getppid() != parent:",
  "                break",
  "            if compile_one(path):",
  "                ok.append('%d %s' % (i, path))",
  "        with os.fdopen(w, 'w', encoding='utf-8', errors='surrogateescape') as f:",
  "            f.write('\\n'.join(ok))",
  "        os._exit(0)",
  "    os.close(w)",
  "    children.append((pid, r))",
  "for i, path in shares[0]:",
  "    if compile_one(path):",
  "        order[i]['ok'].append(path)",
  "for pid, r in children:",
  "    with os.fdopen(r, encoding='utf-8', errors='surrogateescape') as f:",
  "        for line in f.read().split('\\n'):",
  "            if line:",
  "                i, path = line.split(' ', 1)",
  "                order[int(i)]['ok'].append(path)",
  "    os.waitpid(pid, 0)",
  "for p, x in dists.items():",
  "    add_rows(p, x)",
  "print(sum(len(x['ok']) for x in order))",
  // No interpreter teardown (~18 ms, on staging's critical path): RECORDs are closed.
  "sys.stdout.flush()",
  "os._exit(0)",
].join("\n");

/** A {@link INSTALLED_COMPILER} running beside pip. */
export interface InstalledCompiler {
  /**
   * pip is done: let the compiler finish what is left, for at most
   * `timeoutMs` (then it is killed: what it had not compiled yet is
   * compiled at first import). Never rejects.
   */
  finish(timeoutMs: number): Promise<{ compiled: number; ms: number; complete: boolean }>;
  /** Stop it at once (pip failed); never rejects. */
  abort(): Promise<void>;
}

/**
 * Start compiling, beside pip, the `.py` files of every distribution pip
 * installs into `libDirs` from now on; undefined when the compiler cannot
 * start (then pip must compile: do not pass `--no-compile`).
 *
 * @param pythonDir the installed runtime (`<deps>/0/python`)
 * @param options.libDirs where pip installs (the runtime's site-packages)
 * @param options.env the environment pip gets (`LD_LIBRARY_PATH` for libpython)
 */
export function compileInstalledBesidePip(
  pythonDir: string,
  options: { libDirs: string[]; env: Record<string, string> },
): InstalledCompiler | undefined {
  if (options.libDirs.length === 0) return undefined;
  const started = performance.now();
  const child = startIsolatedPython(
    pythonDir,
    [INSTALLED_COMPILER, ...options.libDirs],
    options.env,
  );
  if (!child) return undefined;
  const output = new Response(child.stdout).text().catch(() => "");
  const status = child.status;
  const stop = async () => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited meanwhile */ }
    await status.catch(() => {});
  };
  const closeStdin = () => child.stdin.close().catch(() => {});
  return {
    async finish(timeoutMs) {
      await closeStdin();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      });
      const done = await Promise.race([status.then(() => "done" as const), timedOut])
        .finally(() => clearTimeout(timer));
      if (done === "timeout") await stop();
      const compiled = Number((await output).trim());
      return {
        compiled: done === "done" && Number.isInteger(compiled) ? compiled : 0,
        ms: performance.now() - started,
        complete: done === "done",
      };
    },
    async abort() {
      await closeStdin();
      await stop();
      await output;
    },
  };
}
