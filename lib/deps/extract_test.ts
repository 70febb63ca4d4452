import assert from "node:assert/strict";
// @deno-types="@types/tar-stream"
import tar from "tar-stream";
import { BuildpackError } from "../errors.ts";
import { extractArchive } from "./extract.ts";

// ---------------------------------------------------------------------------
// Helpers

/** A scratch directory: archives go in `arch/`, extraction in `out/target`. */
async function scratch(): Promise<{ work: string; arch: string; out: string; target: string }> {
  const work = await Deno.makeTempDir({ prefix: "extract_test_" });
  await Deno.mkdir(`${work}/arch`);
  await Deno.mkdir(`${work}/out`);
  return { work, arch: `${work}/arch`, out: `${work}/out`, target: `${work}/out/target` };
}

async function run(cmd: string, args: string[], cwd?: string): Promise<void> {
  const r = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!r.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
  }
}

async function list(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

async function mode(path: string): Promise<number> {
  return (await Deno.lstat(path)).mode! & 0o7777;
}

async function mtime(path: string): Promise<number> {
  return (await Deno.lstat(path)).mtime!.getTime() / 1000;
}

const T0 = 1_600_000_000; // a fixed mtime, seconds
const LONG_DIR = "lib/" + "d".repeat(60) + "/" + "e".repeat(60);
/** 199 characters: GNU ././@LongLink, PAX path, or ustar's prefix + name split. */
const LONG_FILE = LONG_DIR + "/" + "f".repeat(70) + ".py";
/** A 120-character last component: no ustar split possible (GNU and PAX only). */
const LONG_NAME = "g".repeat(120);

/**
 * A source tree like a runtime's: an executable, a 0644 file, a 0777 file
 * (the umask must not apply), a 0555 dir with a file, symlinks, a hard link,
 * a long path, all with fixed mtimes.
 */
async function makeTree(root: string): Promise<void> {
  const enc = new TextEncoder();
  await Deno.mkdir(`${root}/bin`, { recursive: true });
  await Deno.mkdir(`${root}/lib/python3.11/__pycache__`, { recursive: true });
  await Deno.mkdir(`${root}/${LONG_DIR}`, { recursive: true });
  await Deno.mkdir(`${root}/ro`);
  await Deno.writeFile(`${root}/bin/python3.11`, enc.encode("#!/bin/sh\necho py\n"));
  await Deno.chmod(`${root}/bin/python3.11`, 0o755);
  await Deno.symlink("python3.11", `${root}/bin/python3`);
  await Deno.symlink("../lib/python3.11", `${root}/bin/stdlib`);
  await Deno.writeFile(`${root}/lib/python3.11/os.py`, enc.encode("import sys\n"));
  await Deno.chmod(`${root}/lib/python3.11/os.py`, 0o644);
  await Deno.writeFile(`${root}/lib/python3.11/__pycache__/os.cpython-311.pyc`, new Uint8Array(9));
  await Deno.link(`${root}/lib/python3.11/os.py`, `${root}/lib/python3.11/os_link.py`);
  await Deno.writeFile(`${root}/lib/open.sh`, enc.encode("x"));
  await Deno.chmod(`${root}/lib/open.sh`, 0o777);
  await Deno.writeFile(`${root}/${LONG_FILE}`, enc.encode("long"));
  await Deno.writeFile(`${root}/lib/${LONG_NAME}`, enc.encode("longer"));
  await Deno.writeFile(`${root}/ro/inside.txt`, enc.encode("inside"));
  await Deno.chmod(`${root}/ro/inside.txt`, 0o444);
  for (
    const p of [
      "bin/python3.11",
      "lib/python3.11/os.py",
      "lib/python3.11/__pycache__/os.cpython-311.pyc",
      "lib/open.sh",
      LONG_FILE,
      "ro/inside.txt",
      "lib/python3.11/__pycache__",
      "ro",
    ]
  ) await Deno.utime(`${root}/${p}`, T0, T0 + 7);
  await Deno.chmod(`${root}/ro`, 0o555);
}

/** Check what {@link makeTree} made, extracted under `dir`. */
async function checkTree(dir: string, options: { ustar?: boolean } = {}): Promise<void> {
  const text = (p: string) => Deno.readTextFile(`${dir}/${p}`);
  assert.equal(await text("bin/python3.11"), "#!/bin/sh\necho py\n");
  assert.equal(await mode(`${dir}/bin/python3.11`), 0o755);
  assert.equal(await mode(`${dir}/lib/python3.11/os.py`), 0o644);
  assert.equal(await mode(`${dir}/lib/open.sh`), 0o777, "umask must not apply");
  assert.equal(await mode(`${dir}/ro`), 0o555);
  assert.equal(await mode(`${dir}/ro/inside.txt`), 0o444);
  assert.equal(await text("ro/inside.txt"), "inside");
  // symlinks stay symlinks
  assert.ok((await Deno.lstat(`${dir}/bin/python3`)).isSymlink);
  assert.equal(await Deno.readLink(`${dir}/bin/python3`), "python3.11");
  assert.equal(await Deno.readLink(`${dir}/bin/stdlib`), "../lib/python3.11");
  assert.equal(await text("bin/stdlib/os.py"), "import sys\n");
  // hard link: same inode
  const a = await Deno.stat(`${dir}/lib/python3.11/os.py`);
  const b = await Deno.stat(`${dir}/lib/python3.11/os_link.py`);
  assert.equal(a.ino, b.ino);
  assert.equal(a.nlink, 2);
  // long names
  assert.equal(await text(LONG_FILE), "long");
  if (!options.ustar) assert.equal(await text(`lib/${LONG_NAME}`), "longer");
  // mtimes of files and directories
  assert.equal(await mtime(`${dir}/bin/python3.11`), T0 + 7);
  assert.equal(await mtime(`${dir}/lib/python3.11/__pycache__/os.cpython-311.pyc`), T0 + 7);
  assert.equal(await mtime(`${dir}/${LONG_FILE}`), T0 + 7);
  assert.equal(await mtime(`${dir}/lib/python3.11/__pycache__`), T0 + 7);
  assert.equal(await mtime(`${dir}/ro`), T0 + 7);
}

/** Build a tar (gzipped unless told) entry by entry with tar-stream's packer. */
async function packTar(
  path: string,
  entries: { header: tar.Headers; body?: string }[],
  options: { gzip?: boolean } = {},
): Promise<void> {
  const pack = tar.pack();
  for (const { header, body } of entries) {
    pack.entry({ mtime: new Date(T0 * 1000), ...header }, body ?? "");
  }
  pack.finalize();
  const chunks: Uint8Array[] = [];
  for await (const chunk of pack) chunks.push(chunk);
  let data: BodyInit = new Blob(chunks as BlobPart[]);
  if (options.gzip ?? true) data = data.stream().pipeThrough(new CompressionStream("gzip"));
  await Deno.writeFile(path, new Uint8Array(await new Response(data).arrayBuffer()));
}

/**
 * Extract and expect a refusal naming the archive and the entry; then check
 * that nothing was written outside the target.
 */
async function assertRefused(
  s: { work: string; out: string; target: string },
  archive: string,
  entry: string,
  reason: RegExp,
): Promise<void> {
  await assert.rejects(extractArchive(archive, s.target), (e: unknown) => {
    assert.ok(e instanceof BuildpackError, `not a BuildpackError: ${e}`);
    const name = archive.slice(archive.lastIndexOf("/") + 1);
    assert.ok(e.message.includes(name), `archive not named: ${e.message}`);
    assert.ok(e.message.includes(`'${entry}'`), `entry not named: ${e.message}`);
    assert.match(e.message, /unsafe and was not installed/);
    assert.match(e.message, reason);
    return true;
  });
  assert.deepEqual(await list(s.work), ["arch", "out"]);
  assert.deepEqual(await list(s.out), ["target"]);
}

// ---------------------------------------------------------------------------
// Formats

for (const format of ["gnu", "posix", "ustar"]) {
  for (const inProcess of [false, true]) {
    const how = inProcess ? "DecompressionStream" : "gzip -dc";
    Deno.test(`.tgz made by GNU tar --format=${format}, ${how}: files, modes, links, mtimes`, async () => {
      const s = await scratch();
      try {
        await makeTree(`${s.work}/src`);
        const src = `${s.work}/src`;
        // ustar cannot hold LONG_NAME at all.
        const exclude = format === "ustar" ? [`--exclude=${LONG_NAME}`] : [];
        await run("tar", [
          `--format=${format}`,
          ...exclude,
          "-czf",
          `${s.arch}/python.tgz`,
          "-C",
          src,
          ".",
        ]);
        await extractArchive(`${s.arch}/python.tgz`, s.target, { inProcess });
        await checkTree(s.target, { ustar: format === "ustar" });
      } finally {
        await Deno.chmod(`${s.work}/src/ro`, 0o755);
        await Deno.remove(s.work, { recursive: true });
      }
    });
  }
}

Deno.test("the format comes from the content, whatever the name", async () => {
  const s = await scratch();
  try {
    await makeTree(`${s.work}/src`);
    await run("tar", ["-czf", `${s.arch}/download`, "-C", `${s.work}/src`, "."]);
    await extractArchive(`${s.arch}/download`, `${s.out}/a`);
    await checkTree(`${s.out}/a`);
  } finally {
    await Deno.chmod(`${s.work}/src/ro`, 0o755);
    await Deno.remove(s.work, { recursive: true });
  }
});

Deno.test("the modes of the archive are kept whatever the umask", async () => {
  const s = await scratch();
  const old = Deno.umask(0o077);
  try {
    await makeTree(`${s.work}/src`);
    await run("tar", ["-czf", `${s.arch}/python.tgz`, "-C", `${s.work}/src`, "."]);
    await extractArchive(`${s.arch}/python.tgz`, s.target);
    await checkTree(s.target);
  } finally {
    Deno.umask(old);
    await Deno.chmod(`${s.work}/src/ro`, 0o755);
    await Deno.remove(s.work, { recursive: true });
  }
});

Deno.test("xz, zip, bzip2 and plain tar are refused as unsupported, before any write", async () => {
  const s = await scratch();
  try {
    await Deno.mkdir(`${s.work}/src`);
    await Deno.writeTextFile(`${s.work}/src/f`, "f");
    await run("tar", ["-cJf", `${s.arch}/python.tar.xz`, "-C", `${s.work}/src`, "f"]);
    await run("tar", ["-cjf", `${s.arch}/python.tar.bz2`, "-C", `${s.work}/src`, "f"]);
    await run("tar", ["-cf", `${s.arch}/plain.tgz`, "-C", `${s.work}/src`, "f"]);
    await run("zip", ["-q", `${s.arch}/pkg.zip`, "f"], `${s.work}/src`);
    const cases: [string, RegExp][] = [
      ["python.tar.xz", /^python\.tar\.xz is not a valid \.tgz archive: it is xz-compressed/],
      ["python.tar.bz2", /^python\.tar\.bz2 is not a valid \.tgz archive: it is bzip2/],
      ["plain.tgz", /^plain\.tgz is not a valid \.tgz archive: it is an uncompressed tar/],
      ["pkg.zip", /^pkg\.zip is not a valid \.tgz archive: it is a zip archive/],
    ];
    for (const [name, re] of cases) {
      await assert.rejects(
        extractArchive(`${s.arch}/${name}`, `${s.out}/${name}`),
        (e: unknown) => {
          assert.ok(e instanceof BuildpackError, `${name}: ${e}`);
          assert.match(e.message, re, name);
          return true;
        },
      );
    }
    assert.deepEqual(await list(s.out), []);
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});

Deno.test("a file larger than the buffering limit is streamed intact", async () => {
  const s = await scratch();
  try {
    const big = new Uint8Array(9 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4096) crypto.getRandomValues(big.subarray(i, i + 4096));
    await Deno.mkdir(`${s.work}/src`);
    await Deno.writeFile(`${s.work}/src/libpython.so`, big, { mode: 0o755 });
    await Deno.chmod(`${s.work}/src/libpython.so`, 0o755);
    await Deno.utime(`${s.work}/src/libpython.so`, T0, T0 + 3);
    await run("tar", ["-czf", `${s.arch}/big.tgz`, "-C", `${s.work}/src`, "libpython.so"]);
    await extractArchive(`${s.arch}/big.tgz`, s.target);
    assert.deepEqual(await Deno.readFile(`${s.target}/libpython.so`), big);
    assert.equal(await mode(`${s.target}/libpython.so`), 0o755);
    assert.equal(await mtime(`${s.target}/libpython.so`), T0 + 3);
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});

Deno.test("a later entry replaces an earlier one of the same name", async () => {
  const s = await scratch();
  try {
    await packTar(`${s.arch}/dup.tgz`, [
      { header: { name: "a", mode: 0o444 }, body: "one" },
      { header: { name: "a", mode: 0o644 }, body: "two" },
      { header: { name: "l", type: "symlink", linkname: "a" } },
      { header: { name: "l" }, body: "file now" },
      { header: { name: "m" }, body: "file first" },
      { header: { name: "m", type: "symlink", linkname: "a" } },
    ]);
    await extractArchive(`${s.arch}/dup.tgz`, s.target);
    assert.equal(await Deno.readTextFile(`${s.target}/a`), "two");
    assert.equal(await mode(`${s.target}/a`), 0o644);
    assert.equal(await Deno.readTextFile(`${s.target}/l`), "file now");
    assert.equal(await Deno.readLink(`${s.target}/m`), "a");
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});

// ---------------------------------------------------------------------------
// Refusals

Deno.test("refuses an absolute path", async () => {
  const s = await scratch();
  try {
    await packTar(`${s.arch}/abs.tgz`, [
      { header: { name: "ok.txt" }, body: "ok" },
      { header: { name: `${s.work}/escaped` }, body: "pwned" },
    ]);
    await assertRefused(s, `${s.arch}/abs.tgz`, `${s.work}/escaped`, /absolute path/);
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});

for (const name of ["../x", "a/../../x", "./a/b/../../../x"]) {
  Deno.test(`refuses '${name}'`, async () => {
    const s = await scratch();
    try {
      await packTar(`${s.arch}/dotdot.tgz`, [
        { header: { name: "a/b/ok.txt" }, body: "ok" },
        { header: { name }, body: "pwned" },
      ]);
      await assertRefused(s, `${s.arch}/dotdot.tgz`, name, /climbs out/);
    } finally {
      await Deno.remove(s.work, { recursive: true });
    }
  });
}

Deno.test("accepts '..' that stays inside", async () => {
  const s = await scratch();
  try {
    await packTar(`${s.arch}/ok.tgz`, [{ header: { name: "a/../b.txt" }, body: "b" }]);
    await extractArchive(`${s.arch}/ok.tgz`, s.target);
    assert.equal(await Deno.readTextFile(`${s.target}/b.txt`), "b");
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});

Deno.test("refuses a symlink to /etc, before anything goes through it", async () => {
  const s = await scratch();
  try {
    await packTar(`${s.arch}/etc.tgz`, [
      { header: { name: "a", type: "symlink", linkname: "/etc" } },
      { header: { name: "a/passwd" }, body: "root::0:0::/:/bin/sh\n" },
    ]);
    await assertRefused(s, `${s.arch}/etc.tgz`, "a", /absolute path '\/etc'/);
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});

for (const [link, target] of [["sub/up", "../../x"], ["up", ".."], ["sub/deep/x", "../../../y"]]) {
  Deno.test(`refuses a symlink ${link} -> ${target}`, async () => {
    const s = await scratch();
    try {
      await packTar(`${s.arch}/up.tgz`, [
        { header: { name: "sub/deep/", type: "directory" } },
        { header: { name: link, type: "symlink", linkname: target } },
      ]);
      await assertRefused(s, `${s.arch}/up.tgz`, link, /outside the target directory/);
    } finally {
      await Deno.remove(s.work, { recursive: true });
    }
  });
}

Deno.test("refuses a symlink that escapes only through a later symlink", async () => {
  const s = await scratch();
  try {
    // x -> a/../.. is inside while a -> b/c is a plain path; once b/c -> .
    // arrives, a/.. is the root and x points above it.
    await packTar(`${s.arch}/chain.tgz`, [
      { header: { name: "b/", type: "directory" } },
      { header: { name: "a", type: "symlink", linkname: "b/c" } },
      { header: { name: "x", type: "symlink", linkname: "a/../.." } },
      { header: { name: "b/c", type: "symlink", linkname: "." } },
    ]);
    await assertRefused(s, `${s.arch}/chain.tgz`, "x", /outside the target directory/);
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});

Deno.test("refuses an entry written through a symlinked directory", async () => {
  const s = await scratch();
  try {
    await packTar(`${s.arch}/through.tgz`, [
      { header: { name: "real/", type: "directory" } },
      { header: { name: "link", type: "symlink", linkname: "real" } },
      { header: { name: "link/file.txt" }, body: "through" },
    ]);
    await assertRefused(s, `${s.arch}/through.tgz`, "link/file.txt", /symbolic link 'link'/);
    // and a symlink to '.' cannot be used to climb either
    await Deno.remove(s.target, { recursive: true });
    await packTar(`${s.arch}/dot.tgz`, [
      { header: { name: "here", type: "symlink", linkname: "." } },
      { header: { name: "here/../escaped" }, body: "pwned" },
    ]);
    await assertRefused(s, `${s.arch}/dot.tgz`, "here/../escaped", /symbolic link 'here'/);
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});

for (const linkname of ["../outside.txt", "/etc/passwd", "a/../../outside.txt"]) {
  Deno.test(`refuses a hard link to ${linkname}`, async () => {
    const s = await scratch();
    try {
      await Deno.writeTextFile(`${s.out}/outside.txt`, "secret");
      await packTar(`${s.arch}/hard.tgz`, [
        { header: { name: "a/ok.txt" }, body: "ok" },
        { header: { name: "a/h", type: "link", linkname } },
      ]);
      await assert.rejects(extractArchive(`${s.arch}/hard.tgz`, s.target), (e: unknown) => {
        assert.ok(e instanceof BuildpackError);
        assert.match(e.message, /hard\.tgz/);
        assert.ok(e.message.includes("'a/h'") && e.message.includes(linkname), e.message);
        assert.match(e.message, /unsafe and was not installed/);
        return true;
      });
      assert.deepEqual(await list(s.out), ["outside.txt", "target"]);
      assert.equal((await Deno.stat(`${s.out}/outside.txt`)).nlink, 1);
    } finally {
      await Deno.remove(s.work, { recursive: true });
    }
  });
}

Deno.test("refuses device and FIFO entries", async () => {
  for (const type of ["character-device", "block-device", "fifo"] as const) {
    const s = await scratch();
    try {
      await packTar(`${s.arch}/dev.tgz`, [{ header: { name: "dev/null", type } }]);
      await assertRefused(s, `${s.arch}/dev.tgz`, "dev/null", /may not contain/);
    } finally {
      await Deno.remove(s.work, { recursive: true });
    }
  }
});

// ---------------------------------------------------------------------------
// Corrupt archives

Deno.test("a truncated .tgz is not a valid archive", async () => {
  const s = await scratch();
  try {
    await makeTree(`${s.work}/src`);
    await run("tar", ["-czf", `${s.arch}/full.tgz`, "-C", `${s.work}/src`, "."]);
    const full = await Deno.readFile(`${s.arch}/full.tgz`);
    const cuts = [Math.floor(full.length / 2), full.length - 4, 100];
    for (const [cut, inProcess] of cuts.flatMap((c) => [[c, false], [c, true]] as const)) {
      await Deno.writeFile(`${s.arch}/python-3.11.7.tgz`, full.subarray(0, cut));
      await assert.rejects(
        extractArchive(`${s.arch}/python-3.11.7.tgz`, `${s.out}/t${cut}${inProcess}`, {
          inProcess,
        }),
        (e: unknown) => {
          assert.ok(e instanceof BuildpackError, String(e));
          assert.match(e.message, /^python-3\.11\.7\.tgz is not a valid \.tgz archive: /);
          return true;
        },
      );
    }
    assert.deepEqual(await list(s.work), ["arch", "out", "src"]);
  } finally {
    await Deno.chmod(`${s.work}/src/ro`, 0o755);
    await Deno.remove(s.work, { recursive: true });
  }
});

Deno.test("corrupt .tgz data and unknown formats", async () => {
  const s = await scratch();
  try {
    await makeTree(`${s.work}/src`);
    await run("tar", ["-czf", `${s.arch}/full.tgz`, "-C", `${s.work}/src`, "."]);
    const data = await Deno.readFile(`${s.arch}/full.tgz`);
    data[data.length >> 1] ^= 0xff;
    await Deno.writeFile(`${s.arch}/flipped.tgz`, data);
    await Deno.writeTextFile(`${s.arch}/garbage.tgz`, "not an archive at all");
    await Deno.writeFile(`${s.arch}/empty.tgz`, new Uint8Array(0));
    // A valid gzip stream of something that is not a tar.
    await Deno.writeTextFile(`${s.arch}/text`, "just text\n".repeat(100));
    await run("gzip", ["-n", `${s.arch}/text`]);
    const cases: [string, RegExp][] = [
      ["flipped.tgz", /^flipped\.tgz is not a valid \.tgz archive: /],
      ["garbage.tgz", /^garbage\.tgz is not a valid \.tgz archive: it is not gzip-compressed/],
      ["empty.tgz", /^empty\.tgz is not a valid \.tgz archive: the file is empty/],
      ["text.gz", /^text\.gz is not a valid \.tgz archive: /],
    ];
    for (const inProcess of [false, true]) {
      for (const [name, re] of cases) {
        await assert.rejects(
          extractArchive(`${s.arch}/${name}`, `${s.out}/${name}${inProcess}`, { inProcess }),
          (e: unknown) => {
            assert.ok(e instanceof BuildpackError, `${name}: ${e}`);
            assert.match(e.message, re, name);
            return true;
          },
        );
      }
    }
  } finally {
    await Deno.chmod(`${s.work}/src/ro`, 0o755);
    await Deno.remove(s.work, { recursive: true });
  }
});

Deno.test("without gzip on PATH, inflation falls back to the in-process stream", async () => {
  const s = await scratch();
  const path = Deno.env.get("PATH");
  try {
    await makeTree(`${s.work}/src`);
    await run("tar", ["-czf", `${s.arch}/python.tgz`, "-C", `${s.work}/src`, "."]);
    Deno.env.set("PATH", `${s.work}/empty-path`);
    await extractArchive(`${s.arch}/python.tgz`, s.target);
    if (path !== undefined) Deno.env.set("PATH", path);
    await checkTree(s.target);
  } finally {
    if (path === undefined) Deno.env.delete("PATH");
    else Deno.env.set("PATH", path);
    await Deno.chmod(`${s.work}/src/ro`, 0o755);
    await Deno.remove(s.work, { recursive: true });
  }
});
