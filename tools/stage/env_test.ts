import assert from "node:assert/strict";
import { BASE_PATH, databaseUrl, launchEnv, stagingEnv } from "./env.ts";

const app = { name: "myapp", guid: "0000-guid" };

Deno.test("stagingEnv holds exactly the builder's variables", () => {
  const env = stagingEnv({ app, home: "/r/home/vcap", denoBinDir: "/opt/deno", denoDir: "/dd" });
  assert.deepEqual(Object.keys(env).sort(), [
    "CF_STACK",
    "DENO_DIR",
    "HOME",
    "LANG",
    "MEMORY_LIMIT",
    "PATH",
    "USER",
    "VCAP_APPLICATION",
    "VCAP_SERVICES",
  ]);
  assert.equal(env.CF_STACK, "cflinuxfs4");
  assert.equal(env.MEMORY_LIMIT, "1024m");
  assert.equal(env.LANG, "en_US.UTF-8");
  assert.equal(env.USER, "vcap");
  assert.equal(env.HOME, "/r/home/vcap");
  assert.equal(env.PATH, `${BASE_PATH}:/opt/deno`);
  assert.equal(env.VCAP_SERVICES, "{}");
  const vcap = JSON.parse(env.VCAP_APPLICATION);
  assert.equal(vcap.application_name, "myapp");
  assert.equal(vcap.name, "myapp");
  assert.equal(vcap.space_name, "local");
  assert.deepEqual(vcap.limits, { mem: 1024, disk: 4096, fds: 16384 });
  assert.deepEqual(vcap.application_uris, ["myapp.localhost"]);
});

Deno.test("stagingEnv: deno dir already on PATH is not repeated; user env wins", () => {
  const env = stagingEnv({
    app,
    home: "/h",
    stack: "cflinuxfs3",
    denoBinDir: "/usr/bin",
    userEnv: { PATH: "/custom", BP_DEBUG: "1", http_proxy: "http://p:3128" },
  });
  assert.equal(env.CF_STACK, "cflinuxfs3");
  assert.equal(env.PATH, "/custom");
  assert.equal(env.BP_DEBUG, "1");
  assert.equal(env.http_proxy, "http://p:3128");
  assert.equal("DENO_DIR" in env, false);
  assert.equal(stagingEnv({ app, home: "/h", denoBinDir: "/usr/bin" }).PATH, BASE_PATH);
});

Deno.test("databaseUrl follows Cloud Controller's scheme rewriting", () => {
  const services = (uri: string) =>
    JSON.stringify({ "user-provided": [{ name: "x", credentials: { uri } }] });
  assert.equal(databaseUrl(services("mysql://u:p@h/db")), "mysql2://u:p@h/db");
  assert.equal(databaseUrl(services("postgresql://h/db")), "postgres://h/db");
  assert.equal(databaseUrl(services("postgres://h/db")), "postgres://h/db");
  assert.equal(databaseUrl(services("redis://h")), undefined);
  assert.equal(databaseUrl("{}"), undefined);
  assert.equal(databaseUrl("not json"), undefined);
  const env = stagingEnv({ app, home: "/h", userEnv: { VCAP_SERVICES: services("mysql://h/d") } });
  assert.equal(env.DATABASE_URL, "mysql2://h/d");
});

Deno.test("launchEnv: runtime paths, port, instance data, user env last", () => {
  const env = launchEnv({
    app,
    vcapHome: "/run/home/vcap",
    port: 8123,
    instanceGuid: "inst",
    userEnv: { FOO: "bar", LANG: "C" },
  });
  assert.equal(env.HOME, "/run/home/vcap/app");
  assert.equal(env.TMPDIR, "/run/home/vcap/tmp");
  assert.equal(env.DEPS_DIR, "/run/home/vcap/deps");
  assert.equal(env.PORT, "8123");
  assert.equal(env.VCAP_APP_PORT, "8123");
  assert.equal(env.VCAP_APP_HOST, "0.0.0.0");
  assert.equal(env.MEMORY_LIMIT, "1024m");
  assert.equal(env.INSTANCE_INDEX, "0");
  assert.equal(env.PATH, BASE_PATH);
  assert.equal(env.USER, "vcap");
  assert.equal(env.FOO, "bar");
  assert.equal(env.LANG, "C");
  const vcap = JSON.parse(env.VCAP_APPLICATION);
  assert.equal(vcap.port, 8123);
  assert.equal(vcap.host, "0.0.0.0");
  assert.equal(vcap.instance_id, "inst");
  assert.equal(vcap.instance_index, 0);
  assert.equal(env.VCAP_SERVICES, "{}");
});
