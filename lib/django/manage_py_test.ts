import assert from "node:assert/strict";
import { findManagePy } from "./manage_py.ts";
import { COLLECTSTATIC_NOISE } from "./collectstatic.ts";

Deno.test("findManagePy looks at the root, then one and two levels down", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(findManagePy(dir), undefined);
    await Deno.mkdir(`${dir}/src/site`, { recursive: true });
    await Deno.writeTextFile(`${dir}/src/site/manage.py`, "");
    assert.equal(findManagePy(dir), "src/site/manage.py");
    await Deno.mkdir(`${dir}/b`);
    await Deno.writeTextFile(`${dir}/b/manage.py`, "");
    assert.equal(findManagePy(dir), "b/manage.py");
    await Deno.writeTextFile(`${dir}/manage.py`, "");
    assert.equal(findManagePy(dir), "manage.py");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collectstatic's per-file lines are filtered", () => {
  assert.ok(COLLECTSTATIC_NOISE.test("Copying '/tmp/app/static/x.css'"));
  assert.ok(
    COLLECTSTATIC_NOISE.test("Post-processed 'admin/css/base.css' as 'admin/css/base.1.css'"),
  );
  assert.ok(!COLLECTSTATIC_NOISE.test("130 static files copied to '/tmp/app/staticfiles'."));
});
