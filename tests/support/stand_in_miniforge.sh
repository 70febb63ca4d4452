#!/bin/sh
# STAND-IN for the Miniforge installer (Miniforge3-<version>-Linux-x86_64.sh). FOR TESTS ONLY.
#
# No conda distribution can be downloaded where this buildpack's tests run, so
# tests/support/conda_stand_in.ts appends a real CPython runtime tarball to this script
# (after the payload marker line at the end, as constructor-made installers append
# theirs) and the conda tests put the result in their manifest as the `miniforge`
# dependency. It implements only what the buildpack uses, with real conda's command
# lines, so the buildpack's code path is the one it runs with real Miniforge:
#
#   bash installer -b -p PREFIX            unpack the runtime into PREFIX (the base env) and
#                                           write PREFIX/bin/conda, bin/activate and
#                                           etc/profile.d/conda.sh
#   PREFIX/bin/conda env update [--quiet | --debug --verbose] -n NAME -f FILE
#       creates PREFIX/envs/NAME from the base Python (hard links, as conda links from its
#       package cache), "fetches" packages into CONDA_PKGS_DIRS, accepts only python
#       (matching the base version) and pip as conda packages (anything else fails like
#       conda's PackagesNotFoundError) and installs the pip: section with the env's own
#       pip (python -m pip install -U -r <file>, so PIP_* variables reach it)
#   PREFIX/bin/conda clean -pt             removes package tarballs from CONDA_PKGS_DIRS
#   PREFIX/bin/conda shell.posix activate NAME
#                                           the exports `conda activate NAME` evaluates
#   source PREFIX/bin/activate NAME        activates NAME, as with real conda
#
# Like the real thing it writes PREFIX as an absolute path into text files (the shebang
# of bin/conda and of pip's console scripts, bin/activate, etc/profile.d/conda.sh), so a
# droplet whose conda is not relocated at launch breaks.
set -eu

usage() {
  echo "usage: $0 -b -p PREFIX   (stand-in Miniforge installer: batch mode only)" >&2
  exit 2
}

BATCH=0
PREFIX=
while getopts "bfhp:su" opt; do
  case "$opt" in
  b) BATCH=1 ;;
  p) PREFIX="$OPTARG" ;;
  f | s | u) ;;
  *) usage ;;
  esac
done
[ "$BATCH" = 1 ] && [ -n "$PREFIX" ] || usage
if [ -e "$PREFIX" ]; then
  echo "ERROR: File or directory already exists: '$PREFIX'" >&2
  echo "If you want to update an existing installation, use the -u option." >&2
  exit 1
fi
mkdir -p "$PREFIX"
PREFIX="$(cd "$PREFIX" && pwd)"
echo "PREFIX=$PREFIX"
echo "Unpacking payload ..."
line="$(grep -an -m1 '^__STAND_IN_PAYLOAD__$' "$0" | cut -d: -f1)"
[ -n "$line" ] || { echo "ERROR: the installer has no payload" >&2; exit 1; }
tail -n +"$((line + 1))" "$0" | tar xzf - -C "$PREFIX"
[ -e "$PREFIX/bin/python" ] || ln -s python3 "$PREFIX/bin/python"
mkdir -p "$PREFIX/conda-meta" "$PREFIX/envs" "$PREFIX/etc/profile.d"
echo "==> $(date '+%Y-%m-%d %H:%M:%S') <==" >"$PREFIX/conda-meta/history"
echo "# cmd: $0 -b -p $PREFIX" >>"$PREFIX/conda-meta/history"

printf '#!%s/bin/python3\n' "$PREFIX" >"$PREFIX/bin/conda"
cat >>"$PREFIX/bin/conda" <<'CONDA'
# STAND-IN conda, FOR TESTS ONLY: see the header of the stand-in Miniforge installer.
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = sys.prefix  # real conda also takes its root prefix from its own Python
SPEC = re.compile(r"^(?:[^\s:]+::)?([A-Za-z0-9_.\-]+)\s*(.*)$")


def fail(message, code=1):
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.exit(code)


def unquote(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def read_environment_file(path):
    """The block-style subset of environment.yml: name, channels, dependencies (with pip:)."""
    spec = {"name": None, "channels": [], "dependencies": [], "pip": []}
    section, pip_indent = None, None
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = re.sub(r"(^|\s)#.*$", "", raw.rstrip("\n")).rstrip()
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            text = line.strip()
            if indent == 0:
                key, colon, value = text.partition(":")
                if not colon:
                    fail(f"EnvironmentFileInvalid: {path}, line {number}: expected 'key:', got {text!r}")
                section, pip_indent, value = key.strip(), None, value.strip()
                if section == "name":
                    spec["name"] = unquote(value)
                elif value.startswith("[") and section in ("channels", "dependencies"):
                    spec[section] += [unquote(v) for v in value.strip("[]").split(",") if v.strip()]
                continue
            if not text.startswith("-"):
                fail(f"EnvironmentFileInvalid: {path}, line {number}: expected '- item', got {text!r}")
            item = unquote(text[1:])
            if section == "channels":
                spec["channels"].append(item)
            elif section == "dependencies":
                if pip_indent is not None and indent > pip_indent:
                    spec["pip"].append(item)
                elif item == "pip:":
                    pip_indent = indent
                else:
                    pip_indent = None
                    spec["dependencies"].append(item)
    return spec


def env_prefix(name):
    return ROOT if name == "base" else os.path.join(ROOT, "envs", name)


def create_env(prefix):
    os.makedirs(os.path.join(prefix, "conda-meta"))
    for sub in ("bin", "lib", "include"):
        src = os.path.join(ROOT, sub)
        if not os.path.isdir(src):
            continue
        ignore = shutil.ignore_patterns("conda", "activate", "deactivate") if sub == "bin" else None
        shutil.copytree(src, os.path.join(prefix, sub), symlinks=True, ignore=ignore,
                        copy_function=os.link)


def pkgs_dir():
    first = os.environ.get("CONDA_PKGS_DIRS", "").split(",")[0].strip()
    return first or os.path.join(ROOT, "pkgs")


def fetch(packages, channel):
    cache = pkgs_dir()
    os.makedirs(cache, exist_ok=True)
    for name, version in packages:
        dist = f"{name}-{version}-stand_in"
        extracted = os.path.join(cache, dist)
        if os.path.isdir(extracted):
            continue
        open(os.path.join(cache, dist + ".conda"), "wb").close()
        os.makedirs(os.path.join(extracted, "info"))
        with open(os.path.join(extracted, "info", "index.json"), "w") as f:
            f.write(f'{{"name": "{name}", "version": "{version}"}}\n')
        with open(os.path.join(cache, "urls.txt"), "a") as f:
            f.write(f"https://conda.anaconda.org/{channel}/linux-64/{dist}.conda\n")


def env_update(args):
    name = file = None
    rest = iter(args)
    for arg in rest:
        if arg in ("-n", "--name"):
            name = next(rest, None)
        elif arg in ("-f", "--file"):
            file = next(rest, None)
        elif arg in ("-q", "--quiet", "-v", "--verbose", "--debug"):
            pass
        else:
            fail(f"stand-in conda: env update: unsupported argument {arg}", 2)
    if not name or not file:
        fail("stand-in conda: env update needs -n NAME -f FILE", 2)
    if not os.path.isfile(file):
        fail(f"EnvironmentFileNotFound: '{file}' file not found")
    spec = read_environment_file(file)
    channels = spec["channels"] or ["conda-forge"]
    print(f"stand-in conda: channels {', '.join(channels)};"
          f" CONDA_SSL_VERIFY={os.environ.get('CONDA_SSL_VERIFY', '(unset)')}", flush=True)
    base = "%d.%d.%d" % sys.version_info[:3]
    wanted, missing = [("python", base)], []
    for dep in spec["dependencies"]:
        m = SPEC.match(dep)
        package, constraint = (m.group(1).lower(), m.group(2).strip()) if m else (dep, "")
        version = constraint.lstrip("=").removesuffix(".*")
        if package == "python" and (not version or base == version or base.startswith(version + ".")):
            continue
        if package == "pip" and not constraint:
            wanted.append(("pip", "stand_in"))
            continue
        missing.append(dep)
    if missing:
        fail("\nPackagesNotFoundError: The following packages are not available from current channels:\n\n"
             + "".join(f"  - {d}\n" for d in missing)
             + "\nCurrent channels:\n\n"
             + "".join(f"  - https://conda.anaconda.org/{c}\n" for c in channels if c != "nodefaults"))
    fetch(wanted, channels[0])
    prefix = env_prefix(name)
    if not os.path.isdir(prefix):
        create_env(prefix)
    with open(os.path.join(prefix, "conda-meta", "history"), "a") as f:
        f.write(f"# cmd: {sys.argv[0]} env update -n {name} -f {file}\n")
    if spec["pip"]:
        fd, requirements = tempfile.mkstemp(prefix="condaenv.", suffix=".requirements.txt")
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(spec["pip"]) + "\n")
        try:
            print("Installing pip dependencies: ...working...", flush=True)
            python = os.path.join(prefix, "bin", "python")
            done = subprocess.run([python, "-m", "pip", "install", "-U", "-r", requirements],
                                  cwd=os.path.dirname(os.path.abspath(file)))
        finally:
            os.remove(requirements)
        if done.returncode != 0:
            fail("Pip subprocess error: see above\n\nCondaEnvException: Pip failed")
        print("done", flush=True)


def clean(args):
    flags = "".join(a.lstrip("-") for a in args if re.fullmatch(r"-[pt]+", a))
    flags += "".join(a[2] for a in args if a in ("--packages", "--tarballs"))
    if not flags or any(not re.fullmatch(r"-[pt]+|--packages|--tarballs", a) for a in args):
        fail(f"stand-in conda: clean supports only -p and -t, got {' '.join(args)}", 2)
    cache = pkgs_dir()
    names = sorted(os.listdir(cache)) if os.path.isdir(cache) else []
    tarballs = [n for n in names if n.endswith((".conda", ".tar.bz2"))]
    if "t" in flags:
        for n in tarballs:
            os.remove(os.path.join(cache, n))
        print(f"Will remove {len(tarballs)} tarball(s)." if tarballs
              else "There are no unused tarball(s) to remove.")
    if "p" in flags:
        print("There are no unused package(s) to remove.")


def shell_activate(args):
    if len(args) != 2 or args[0] != "activate":
        fail("stand-in conda: shell.posix supports only 'activate NAME'", 2)
    name = args[1]
    prefix = env_prefix(name)
    if not os.path.isdir(prefix):
        fail(f"EnvironmentNameNotFound: Could not find conda environment: {name}\n"
             "You can list all discoverable environments with `conda info --envs`.")
    path = os.environ.get("PATH", "")
    exports = {
        "PATH": os.path.join(prefix, "bin") + (":" + path if path else ""),
        "CONDA_PREFIX": prefix,
        "CONDA_SHLVL": "1",
        "CONDA_DEFAULT_ENV": name,
        "CONDA_PROMPT_MODIFIER": f"({name}) ",
        "CONDA_EXE": os.path.join(ROOT, "bin", "conda"),
        "CONDA_PYTHON_EXE": os.path.join(ROOT, "bin", "python"),
    }
    print(f"PS1={shlex.quote(f'({name}) ')}\"${{PS1:-}}\"")
    for key, value in exports.items():
        print(f"export {key}={shlex.quote(value)}")
    activate_d = os.path.join(prefix, "etc", "conda", "activate.d")
    if os.path.isdir(activate_d):
        for script in sorted(os.listdir(activate_d)):
            if script.endswith(".sh"):
                print(f". {shlex.quote(os.path.join(activate_d, script))}")


def main(argv):
    if argv[:1] == ["--version"]:
        print("conda 24.7.1 (stand-in)")
    elif argv[:2] == ["env", "update"]:
        env_update(argv[2:])
    elif argv[:1] == ["clean"]:
        clean(argv[1:])
    elif argv[:1] == ["shell.posix"]:
        shell_activate(argv[1:])
    else:
        fail(f"stand-in conda: unsupported command: {' '.join(argv)}", 2)


main(sys.argv[1:])
CONDA
chmod 755 "$PREFIX/bin/conda"

cat >"$PREFIX/etc/profile.d/conda.sh" <<CONDASH
# stand-in of conda's etc/profile.d/conda.sh: the conda shell function
export CONDA_EXE='$PREFIX/bin/conda'
export CONDA_PYTHON_EXE='$PREFIX/bin/python'
CONDASH
cat >>"$PREFIX/etc/profile.d/conda.sh" <<'CONDASH'
conda() {
  case "${1:-}" in
  activate)
    shift
    __conda_ask="$("$CONDA_EXE" shell.posix activate "$@")" || return
    eval "$__conda_ask"
    unset __conda_ask
    ;;
  *) "$CONDA_EXE" "$@" ;;
  esac
}
CONDASH

cat >"$PREFIX/bin/activate" <<ACTIVATE
#!/bin/sh
_CONDA_ROOT="$PREFIX"
ACTIVATE
cat >>"$PREFIX/bin/activate" <<'ACTIVATE'
\. "$_CONDA_ROOT/etc/profile.d/conda.sh" || return $?
conda activate "$@"
ACTIVATE
chmod 755 "$PREFIX/bin/activate"
echo "installation finished."
exit 0
__STAND_IN_PAYLOAD__
