import assert from "node:assert/strict";
import { PORTABLE_SHEBANG, rewritePth, rewritePythonLiterals, rewriteScript } from "./relocate.ts";

const py = "/tmp/contents123/deps/0/python";

Deno.test("rewriteScript replaces a staging shebang", () => {
  const out = rewriteScript(`#!${py}/bin/python3.11\nimport sys\n`, py);
  assert.equal(out, `${PORTABLE_SHEBANG}\nimport sys\n`);
});

Deno.test("rewriteScript handles pip's long-path trampoline", () => {
  const text = `#!/bin/sh\n'''exec' "${py}/bin/python3.11" "$0" "$@"\n' '''\nimport x\n`;
  const out = rewriteScript(text, py)!;
  assert.ok(!out.includes(py));
  assert.ok(out.includes(`'''exec' python3 "$0" "$@"`));
});

Deno.test("rewriteScript leaves other scripts alone", () => {
  assert.equal(rewriteScript("#!/bin/bash\necho hi\n", py), undefined);
  assert.equal(rewriteScript("no shebang", py), undefined);
});

Deno.test("rewritePth makes deps paths relative and app paths HOME-based", () => {
  const sp = `${py}/lib/python3.11/site-packages`;
  const out = rewritePth(`/tmp/app\n/tmp/contents123/deps/0/src/lib\nimport foo\n`, {
    sitePackages: sp,
    depsIdxDir: "/tmp/contents123/deps/0",
    buildDir: "/tmp/app",
  })!;
  assert.equal(
    out,
    `import os, sys; sys.path.append(os.path.join(os.environ.get("HOME", ""), ""))\n` +
      `../../../../src/lib\nimport foo\n`,
  );
  assert.equal(
    rewritePth("/usr/lib/other\n", {
      sitePackages: sp,
      depsIdxDir: "/tmp/contents123/deps/0",
      buildDir: "/tmp/app",
    }),
    undefined,
  );
});

Deno.test("rewritePythonLiterals rewrites editable finder mappings", () => {
  const out = rewritePythonLiterals(`MAPPING = {'pkg': '/tmp/app/src/pkg'}\n`, {
    fileDir: `${py}/lib/python3.11/site-packages`,
    depsIdxDir: "/tmp/contents123/deps/0",
    buildDir: "/tmp/app",
  })!;
  assert.ok(!out.includes("/tmp/app"));
  assert.ok(out.includes(`environ.get("HOME", ""), "src/pkg")`));
});
