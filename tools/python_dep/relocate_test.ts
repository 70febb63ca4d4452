import assert from "node:assert/strict";
import {
  absoluteRunpathEntries,
  isInside,
  pycMode,
  relocatePkgConfig,
  relocateRunpath,
  rewriteShebang,
} from "./relocate.ts";

const P = ["/root/.pyenv/versions/3.11.7"];

Deno.test("isInside compares whole path components", () => {
  assert.ok(isInside("/a/b", "/a/b"));
  assert.ok(isInside("/a/b/c", "/a/b/"));
  assert.ok(isInside("/a/b/../b/c", "/a/b"));
  assert.equal(isInside("/a/bc", "/a/b"), false);
  assert.ok(isInside("/x", "/"));
});

Deno.test("relocateRunpath makes prefix entries $ORIGIN-relative", () => {
  const lib = "/root/.pyenv/versions/3.11.7/lib";
  assert.equal(relocateRunpath(lib, { file: "bin/python3.11", prefixes: P }), "$ORIGIN/../lib");
  assert.equal(
    relocateRunpath(lib, {
      file: "lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so",
      prefixes: P,
    }),
    "$ORIGIN/../..",
  );
  assert.equal(
    relocateRunpath(lib + "/", { file: "lib/libpython3.11.so.1.0", prefixes: P }),
    "$ORIGIN",
  );
  assert.equal(
    relocateRunpath(`/usr/local/ssl/lib:${lib}:$ORIGIN`, { file: "bin/python3.11", prefixes: P }),
    "/usr/local/ssl/lib:$ORIGIN/../lib:$ORIGIN",
  );
  assert.equal(
    relocateRunpath(`${lib}:${lib}`, { file: "bin/python3.11", prefixes: P }),
    "$ORIGIN/../lib",
  );
  assert.equal(relocateRunpath("/usr/lib", { file: "bin/python3.11", prefixes: P }), undefined);
  assert.equal(
    relocateRunpath("$ORIGIN/../lib", { file: "bin/python3.11", prefixes: P }),
    undefined,
  );
  // The real path of a symlinked prefix counts too.
  assert.equal(
    relocateRunpath("/data/py/lib", { file: "bin/python3", prefixes: ["/home/u/py", "/data/py"] }),
    "$ORIGIN/../lib",
  );
});

Deno.test("absoluteRunpathEntries lists what is not relocatable", () => {
  assert.deepEqual(absoluteRunpathEntries("$ORIGIN/../lib:/opt/ssl/lib"), ["/opt/ssl/lib"]);
  assert.deepEqual(absoluteRunpathEntries("$ORIGIN"), []);
});

Deno.test("rewriteShebang replaces the prefix interpreter with env python3", () => {
  const pip = "#!/root/.pyenv/versions/3.11.7/bin/python3.11\n# -*- coding: utf-8 -*-\nimport re\n";
  assert.equal(
    rewriteShebang(pip, P),
    "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nimport re\n",
  );
  assert.equal(
    rewriteShebang("#!/root/.pyenv/versions/3.11.7/bin/python -E\nx\n", P),
    "#!/usr/bin/env python3\nx\n",
  );
  assert.equal(rewriteShebang("#!/bin/sh\necho\n", P), undefined);
  assert.equal(rewriteShebang("#!/usr/bin/python3\n", P), undefined);
  assert.equal(rewriteShebang("#!/root/.pyenv/versions/3.11.7/bin/bash\n", P), undefined);
  assert.equal(rewriteShebang("no shebang", P), undefined);
});

Deno.test("relocatePkgConfig uses ${pcfiledir}", () => {
  const pc = [
    "prefix=/root/.pyenv/versions/3.11.7",
    "exec_prefix=${prefix}",
    "libdir=/root/.pyenv/versions/3.11.7/lib",
    "Libs.private: -ldl -L/root/.pyenv/versions/3.11.7/lib -Wl,-rpath,/root/.pyenv/versions/3.11.7/lib",
    "",
  ].join("\n");
  assert.equal(
    relocatePkgConfig(pc, P),
    [
      "prefix=${pcfiledir}/../..",
      "exec_prefix=${prefix}",
      "libdir=${prefix}/lib",
      "Libs.private: -ldl -L${prefix}/lib -Wl,-rpath,${prefix}/lib",
      "",
    ].join("\n"),
  );
  assert.equal(relocatePkgConfig("prefix=/usr\n", P), undefined);
});

Deno.test("pycMode reads the PEP 552 flags", () => {
  const header = (flags: number) => {
    const h = new Uint8Array(16);
    h.set([0xa7, 0x0d, 0x0d, 0x0a, flags]);
    return h;
  };
  assert.equal(pycMode(header(0)), "timestamp");
  assert.equal(pycMode(header(1)), "unchecked-hash");
  assert.equal(pycMode(header(3)), "checked-hash");
  assert.equal(pycMode(header(2)), "invalid");
  assert.equal(pycMode(new Uint8Array(8)), "invalid");
});
