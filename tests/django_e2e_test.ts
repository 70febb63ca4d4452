/**
 * End to end: a real Django 5 project (tests/fixtures/django_app) staged with
 * real pip: collectstatic fills STATIC_ROOT, gunicorn serves it as the
 * default web process (no Procfile), DISABLE_COLLECTSTATIC turns it off, a
 * failing collectstatic fails staging with the way out, and a project
 * without manage.py only warns.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { copy } from "./support/files.ts";
import { pythonRuntime, testManifest } from "./support/runtimes.ts";
import {
  assertStaged,
  cleanup,
  dropletEntries,
  fixture,
  get,
  stageApp,
  withRunningApp,
} from "./support/staging.ts";
import { e2eOptions } from "./support/e2e_options.ts";

const opts = e2eOptions("Django");

// One app cache for the variants: like restaging the same app, so Django is installed once.
let cacheDir: string | undefined;
async function sharedCache(): Promise<string> {
  cacheDir ??= await Deno.makeTempDir({ prefix: "e2e-django-cache-" });
  return cacheDir;
}

async function stageDjango(
  change: (app: string) => Promise<void>,
  env: Record<string, string> = {},
) {
  const manifest = testManifest([(await pythonRuntime("3.11"))!]);
  const app = await copy(fixture("django_app"));
  try {
    await change(app);
    return await stageApp(app, { manifest, cacheDir: await sharedCache(), env });
  } finally {
    await Deno.remove(app, { recursive: true });
  }
}

Deno.test(
  "Django: collectstatic fills STATIC_ROOT and gunicorn serves the default web process",
  opts,
  async () => {
    const result = await stageDjango(async () => {});
    try {
      const droplet = assertStaged(result);
      assert.match(
        result.log,
        /-----> Running python manage\.py collectstatic --noinput --traceback/,
      );
      assert.match(result.log, /\d+ static files copied to '.*staticfiles'/);
      assert.doesNotMatch(result.log, /Copying '/, "per-file lines are filtered");
      assert.match(
        result.log,
        /Default web process: gunicorn mysite\.wsgi:application \(gunicorn is installed and mysite\/wsgi\.py is the only WSGI module\)/,
      );
      assert.equal(result.stagingInfo?.start_command, "gunicorn mysite.wsgi:application");
      const entries = await dropletEntries(droplet);
      assert.ok(entries.includes("./app/staticfiles/hello/site.css"), "the app's static file");
      assert.ok(
        entries.includes("./app/staticfiles/admin/css/base.css"),
        "the admin's static files",
      );
      await withRunningApp(droplet, async (url, log) => {
        const res = await get(url + "/");
        assert.equal(res.status, 200, log());
        assert.match(res.body, /^Hello from Django 5\.2\.\d+; collected: True/);
      });
    } finally {
      await cleanup(result);
    }
  },
);

Deno.test("Django: DISABLE_COLLECTSTATIC=1 skips collectstatic", opts, async () => {
  const result = await stageDjango(async () => {}, { DISABLE_COLLECTSTATIC: "1" });
  try {
    const droplet = assertStaged(result);
    assert.match(result.log, /DISABLE_COLLECTSTATIC is set: not running collectstatic/);
    assert.ok(!(await dropletEntries(droplet)).some((e) => e.startsWith("./app/staticfiles/")));
  } finally {
    await cleanup(result);
  }
});

Deno.test(
  "Django: a failing collectstatic fails staging and says how to disable it",
  opts,
  async () => {
    const result = await stageDjango(async (app) => {
      const settings = join(app, "mysite", "settings.py");
      const text = await Deno.readTextFile(settings);
      await Deno.writeTextFile(settings, text.replace(/^STATIC_ROOT = .*$/m, ""));
    });
    await cleanup(result);
    assert.equal(result.exitCode, 223);
    assert.match(result.log, /ImproperlyConfigured/);
    assert.match(
      result.log,
      /\*\*ERROR\*\*.* Error while running '\$ python manage\.py collectstatic --noinput'/,
    );
    assert.match(result.log, /cf set-env <app> DISABLE_COLLECTSTATIC 1/);
  },
);

Deno.test("Django: no manage.py is a warning, not a failure", opts, async () => {
  const result = await stageDjango(async (app) => {
    await Deno.remove(join(app, "manage.py"));
  });
  try {
    assertStaged(result);
    assert.match(result.log, /\*\*WARNING\*\*.* Django is installed but no manage\.py was found/);
  } finally {
    await cleanup(result);
    if (cacheDir) await Deno.remove(cacheDir, { recursive: true }).catch(() => {});
  }
});
