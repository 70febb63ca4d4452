import assert from "node:assert/strict";
import { defaultWebProcess, findWsgiModules, launchYaml, wsgiCallable } from "./web_process.ts";

const django =
  "import os\nfrom django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n";

Deno.test("wsgiCallable prefers application, then app", () => {
  assert.equal(wsgiCallable(django), "application");
  assert.equal(wsgiCallable("app = Flask(__name__)\n"), "app");
  assert.equal(wsgiCallable("app: Flask = Flask(__name__)\n"), "app");
  assert.equal(wsgiCallable("def app(): pass\n"), undefined);
});

Deno.test("defaultWebProcess is certain only with gunicorn and one WSGI module", () => {
  const one = [{ module: "mysite.wsgi", path: "mysite/wsgi.py", source: django }];
  assert.equal(
    defaultWebProcess({ gunicorn: true, procfile: false, modules: one }).command,
    "gunicorn mysite.wsgi:application",
  );
  assert.equal(
    defaultWebProcess({ gunicorn: false, procfile: false, modules: one }).command,
    undefined,
  );
  assert.equal(
    defaultWebProcess({ gunicorn: true, procfile: true, modules: one }).command,
    undefined,
  );
  assert.equal(
    defaultWebProcess({ gunicorn: true, procfile: false, modules: [] }).command,
    undefined,
  );
  const two = [...one, { module: "wsgi", path: "wsgi.py", source: "app = 1\n" }];
  assert.match(
    defaultWebProcess({ gunicorn: true, procfile: false, modules: two }).reason,
    /several/,
  );
});

Deno.test("findWsgiModules looks at the root and top-level packages", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/mysite`);
    await Deno.mkdir(`${dir}/notapkg`);
    await Deno.writeTextFile(`${dir}/mysite/__init__.py`, "");
    await Deno.writeTextFile(`${dir}/mysite/wsgi.py`, django);
    await Deno.writeTextFile(`${dir}/notapkg/wsgi.py`, django);
    assert.deepEqual(findWsgiModules(dir).map((m) => m.module), ["mysite.wsgi"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("launchYaml quotes the command", () => {
  assert.equal(
    launchYaml("gunicorn a.wsgi:app"),
    'processes:\n- type: web\n  command: "gunicorn a.wsgi:app"\n',
  );
});
