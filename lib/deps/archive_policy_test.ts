import assert from "node:assert/strict";
import {
  ArchivePolicy,
  type DeclaredLink,
  entryPath,
  isRefusal,
  MAX_SYMLINK_HOPS,
  refusedType,
  symlinkEscape,
} from "./archive_policy.ts";

const NO_LINKS: ReadonlyMap<string, DeclaredLink> = new Map();

function links(pairs: Record<string, string>): Map<string, DeclaredLink> {
  return new Map(Object.entries(pairs).map(([rel, target]) => [rel, { entry: rel, target }]));
}

// ---------------------------------------------------------------------------
// Entry names

Deno.test("entryPath: plain names are normalised, '.' and empty parts dropped", () => {
  const cases: [string, string][] = [
    ["a", "a"],
    ["./a", "a"],
    ["a/b/c.py", "a/b/c.py"],
    ["a//b", "a/b"],
    ["a/./b/", "a/b"],
    ["./", ""],
    [".", ""],
    ["", ""],
    ["a/../b", "b"],
    ["a/b/../../c", "c"],
    ["a/..", ""],
    ["...", "..."],
    ["..a/b", "..a/b"],
    ["a/..b", "a/..b"],
  ];
  for (const [name, rel] of cases) assert.equal(entryPath(name, NO_LINKS), rel, name);
});

Deno.test("entryPath: absolute names are refused", () => {
  for (const name of ["/etc/passwd", "/", "//x", "/./a"]) {
    const r = entryPath(name, NO_LINKS);
    assert.ok(isRefusal(r), name);
    assert.equal(r.refused, "has an absolute path");
  }
});

Deno.test("entryPath: '..' above the root is refused wherever it appears", () => {
  for (const name of ["..", "../x", "./../x", "a/../../x", "a/b/../../../x", "a/../..", "../"]) {
    const r = entryPath(name, NO_LINKS);
    assert.ok(isRefusal(r), name);
    assert.match(r.refused, /climbs out of the target directory/);
  }
});

Deno.test("entryPath: any path through a symlink of the archive is refused", () => {
  const l = links({ lib: "/etc", "a/here": ".", "b/in": "../b" });
  const cases: [string, string][] = [
    ["lib/passwd", "lib"],
    ["./lib/x/y", "lib"],
    ["a/here/x", "a/here"],
    ["a/here/../escape", "a/here"],
    ["b/in/c", "b/in"],
    ["b/in/..", "b/in"],
  ];
  for (const [name, link] of cases) {
    const r = entryPath(name, l);
    assert.ok(isRefusal(r), name);
    assert.equal(r.refused, `goes through the symbolic link '${link}'`);
  }
  // The link itself, and names that only share a prefix, are fine.
  assert.equal(entryPath("lib", l), "lib");
  assert.equal(entryPath("library/x", l), "library/x");
  assert.equal(entryPath("a/hereafter", l), "a/hereafter");
  // '..' back out of a real dir before reaching the link is fine too.
  assert.equal(entryPath("a/x/../y", l), "a/y");
});

// ---------------------------------------------------------------------------
// Symlink targets

Deno.test("symlinkEscape: relative targets that stay inside are accepted", () => {
  const cases: [string, string][] = [
    ["bin/python3", "python3.11"],
    ["bin/stdlib", "../lib/python3.11"],
    ["a/b/c", "../../x"],
    ["a/b/c", "../.."],
    ["x", "."],
    ["x", "./y/./z"],
    ["a/x", "../a/../a/y"],
  ];
  for (const [rel, target] of cases) {
    assert.equal(symlinkEscape(rel, target, NO_LINKS), undefined, `${rel} -> ${target}`);
  }
});

Deno.test("symlinkEscape: absolute targets and targets above the root are refused", () => {
  assert.equal(
    symlinkEscape("a", "/etc", NO_LINKS),
    "is a symbolic link to the absolute path '/etc'",
  );
  for (const [rel, target] of [["x", ".."], ["sub/up", "../../x"], ["a/b/c", "../../../y"]]) {
    assert.equal(
      symlinkEscape(rel, target, NO_LINKS),
      `is a symbolic link to '${target}', outside the target directory`,
    );
  }
});

Deno.test("symlinkEscape: resolution goes through the archive's other links", () => {
  // up -> .. is refused on its own; x -> a/.. with a -> b/c, b/c -> . means
  // x -> (b/c/..) = b, fine; y -> a/../.. = b/.. = root/.., refused.
  const l = links({ a: "b/c", "b/c": "." });
  assert.equal(symlinkEscape("x", "a/..", l), undefined);
  assert.match(symlinkEscape("y", "a/../..", l)!, /outside the target directory/);
  // Through a link to an absolute path: outside.
  assert.match(symlinkEscape("z", "abs/x", links({ abs: "/usr" }))!, /outside the target/);
});

Deno.test("symlinkEscape: loops are refused after MAX_SYMLINK_HOPS", () => {
  const l = links({ a: "b", b: "a" });
  assert.match(symlinkEscape("x", "a/f", l)!, /loops through other symbolic links/);
  // A chain just under the limit resolves.
  const chain: Record<string, string> = {};
  for (let i = 0; i < MAX_SYMLINK_HOPS; i++) {
    chain[`l${i}`] = i === MAX_SYMLINK_HOPS - 1 ? "d" : `l${i + 1}`;
  }
  assert.equal(symlinkEscape("x", "l0/f", links(chain)), undefined);
  chain[`l${MAX_SYMLINK_HOPS - 1}`] = `l${MAX_SYMLINK_HOPS}`;
  chain[`l${MAX_SYMLINK_HOPS}`] = "d";
  assert.match(symlinkEscape("x", "l0/f", links(chain))!, /loops/);
});

// ---------------------------------------------------------------------------
// Entry types

Deno.test("refusedType: devices, FIFOs and sockets are refused; the rest is not the policy's", () => {
  for (const type of ["character-device", "block-device", "fifo", "socket"]) {
    assert.match(refusedType(type)!, /which archives may not contain/, type);
  }
  assert.equal(
    refusedType("character-device"),
    "is a character device, which archives may not contain",
  );
  for (const type of ["file", "contiguous-file", "directory", "symlink", "link", "pax-header"]) {
    assert.equal(refusedType(type), undefined, type);
  }
});

// ---------------------------------------------------------------------------
// One archive's state

Deno.test("ArchivePolicy: symlinks, then names through them", () => {
  const p = new ArchivePolicy();
  assert.deepEqual(p.symlink("a", "./a", "/etc"), {
    refused: "is a symbolic link to the absolute path '/etc'",
  });
  assert.equal(p.links.size, 0, "a refused link is not declared");
  assert.equal(p.symlink("real-link", "real-link", "real"), undefined);
  assert.deepEqual(p.path("real-link/f"), {
    refused: "goes through the symbolic link 'real-link'",
  });
  // A file of the same name replaces the link: names through it are fine again.
  assert.equal(p.occupy("real-link", { file: false }), false);
  assert.equal(p.path("real-link/f"), "real-link/f");
});

Deno.test("ArchivePolicy: a link that escapes only through a later link fails the final check", () => {
  const p = new ArchivePolicy();
  assert.equal(p.symlink("a", "a", "b/c"), undefined);
  assert.equal(p.symlink("x", "x", "a/../.."), undefined, "inside while b/c is a plain path");
  assert.equal(p.finalCheck(), undefined);
  assert.equal(p.symlink("b/c", "b/c", "."), undefined);
  assert.deepEqual(p.finalCheck(), {
    entry: "x",
    refused: "is a symbolic link to 'a/../..', outside the target directory",
  });
});

Deno.test("ArchivePolicy: hard links only to regular files extracted before", () => {
  const p = new ArchivePolicy();
  assert.equal(p.occupy("lib/os.py", { file: true }), false);
  assert.equal(p.occupy("lib/os.py", { file: true }), true, "the second one replaces the first");
  assert.deepEqual(p.hardlink("lib/os_link.py", "./lib/os.py"), { file: "lib/os.py" });
  assert.ok(p.hasFile("lib/os_link.py"), "a hard link is a file too");
  assert.deepEqual(p.hardlink("l2", "lib/os_link.py"), { file: "lib/os_link.py" });
  assert.deepEqual(p.hardlink("h", "missing"), {
    invalid: "points to 'missing', which is not a file extracted before it",
  });
  assert.deepEqual(p.hardlink("h", "lib"), {
    invalid: "points to 'lib', which is not a file extracted before it",
  });
  // Nothing to create: to itself, or the root.
  assert.deepEqual(p.hardlink("lib/os.py", "lib/os.py"), { file: "lib/os.py" });
  assert.deepEqual(p.hardlink("", "lib/os.py"), { file: "lib/os.py" });
  assert.ok(!p.hasFile(""));
});

Deno.test("ArchivePolicy: hard links to refused names are refused, naming the target", () => {
  const p = new ArchivePolicy();
  for (
    const [linkname, why] of [
      ["../outside.txt", "climbs out of the target directory with '..'"],
      ["/etc/passwd", "has an absolute path"],
      ["a/../../outside.txt", "climbs out of the target directory with '..'"],
    ]
  ) {
    assert.deepEqual(p.hardlink("a/h", linkname), {
      refused: `is a hard link to '${linkname}', which ${why}`,
    });
  }
  p.symlink("d", "d", "sub");
  assert.deepEqual(p.hardlink("h", "d/f"), {
    refused: "is a hard link to 'd/f', which goes through the symbolic link 'd'",
  });
});

Deno.test("ArchivePolicy: a hard link to a symlink is that symlink again", () => {
  const p = new ArchivePolicy();
  assert.equal(p.symlink("bin/python3", "bin/python3", "python3.11"), undefined);
  assert.deepEqual(p.hardlink("bin/python", "bin/python3"), { symlink: "python3.11" });
});

Deno.test("ArchivePolicy: a symlink replaces a file of the same name and vice versa", () => {
  const p = new ArchivePolicy();
  p.occupy("m", { file: true });
  assert.equal(p.symlink("m", "m", "a"), undefined);
  assert.ok(!p.hasFile("m"));
  assert.equal(p.links.get("m")?.target, "a");
  assert.equal(p.occupy("m", { file: true }), false, "no earlier regular file on disk");
  assert.equal(p.links.has("m"), false);
  assert.ok(p.hasFile("m"));
});
