/**
 * Pure construction of the staging and launch environments, as the platform
 * (Cloud Controller + builder/launcher) builds them.
 *
 * Both are CLEAN environments: nothing of the emulator's own environment leaks
 * in (no PIP_*, PYTHON*, LD_LIBRARY_PATH, proxies...). The caller passes what
 * it wants explicitly; `userEnv` (`--env K=V`, `cf set-env`) always wins. In
 * particular `http_proxy`/`https_proxy`/`no_proxy` (either case) reach the
 * buildpack ONLY when given as user env, like on the platform where they are
 * app or staging env vars.
 * @module
 */

/** The platform's fixed PATH, for staging and launch. */
export const BASE_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Default stack name. */
export const DEFAULT_STACK = "cflinuxfs4";

/** Memory (MiB) the emulated app and the staging task get. */
export const MEMORY_MB = 1024;

/** Disk (MiB) the emulated app and the staging task get. */
export const DISK_MB = 4096;

/** Identity of the emulated app, shared by staging and launch. */
export interface AppIdentity {
  /** Application name (default: the app directory's basename). */
  name: string;
  /** Application GUID. */
  guid: string;
  /** Space and org names shown in VCAP_APPLICATION. */
  space?: string;
  /** Organization name. */
  org?: string;
}

/** `VCAP_APPLICATION` as Cloud Controller writes it (staging form). */
export function vcapApplication(app: AppIdentity): Record<string, unknown> {
  const uris = [`${app.name}.localhost`];
  return {
    application_id: app.guid,
    application_name: app.name,
    application_uris: uris,
    application_version: app.guid,
    cf_api: "http://127.0.0.1",
    limits: { mem: MEMORY_MB, disk: DISK_MB, fds: 16384 },
    name: app.name,
    organization_id: "00000000-0000-0000-0000-000000000001",
    organization_name: app.org ?? "local",
    space_id: "00000000-0000-0000-0000-000000000002",
    space_name: app.space ?? "local",
    uris,
    users: null,
    version: app.guid,
  };
}

const DB_SCHEMES: Record<string, string> = {
  mysql: "mysql2",
  mysql2: "mysql2",
  postgres: "postgres",
  postgresql: "postgres",
};

/**
 * Cloud Controller's `DATABASE_URL`: the `credentials.uri` of the first bound
 * service whose scheme is mysql/mysql2/postgres/postgresql, with `mysql`
 * rewritten to `mysql2` and `postgresql` to `postgres`. Undefined when none
 * (or VCAP_SERVICES is not valid JSON).
 */
export function databaseUrl(vcapServices: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(vcapServices);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== "object") return undefined;
  for (const instances of Object.values(parsed as Record<string, unknown>)) {
    if (!Array.isArray(instances)) continue;
    for (const instance of instances) {
      const uri = (instance as { credentials?: { uri?: unknown } })?.credentials?.uri;
      if (typeof uri !== "string") continue;
      const match = /^([a-z0-9+.-]+):/i.exec(uri);
      const scheme = match?.[1].toLowerCase();
      if (scheme && scheme in DB_SCHEMES) {
        return DB_SCHEMES[scheme] + uri.slice(scheme.length);
      }
    }
  }
  return undefined;
}

/** Inputs of {@link stagingEnv}. */
export interface StagingEnvOptions {
  /** The emulated app. */
  app: AppIdentity;
  /** `$HOME` of buildpack scripts: the scratch root's `home/vcap`. */
  home: string;
  /** `CF_STACK` (default cflinuxfs4). */
  stack?: string;
  /** Directory holding `deno`, appended to PATH for the dev shim. */
  denoBinDir?: string;
  /** `DENO_DIR` for the dev shim, so it reuses the emulator's module cache. */
  denoDir?: string;
  /** User env (`--env K=V`): overrides everything, may set VCAP_SERVICES. */
  userEnv?: Record<string, string>;
}

function withPath(base: string, extra: string | undefined): string {
  if (!extra || base.split(":").includes(extra)) return base;
  return `${base}:${extra}`;
}

/**
 * The builder's environment for every buildpack script: `CF_STACK`,
 * `VCAP_APPLICATION`, `VCAP_SERVICES` (default `{}`), `MEMORY_LIMIT=1024m`,
 * `LANG`, `USER`, `HOME`, `PATH` (+ deno's dir), `DENO_DIR`, `DATABASE_URL`
 * when a bound service has a database uri, then the user env.
 */
export function stagingEnv(options: StagingEnvOptions): Record<string, string> {
  const user = options.userEnv ?? {};
  const services = user.VCAP_SERVICES ?? "{}";
  const env: Record<string, string> = {
    CF_STACK: options.stack ?? DEFAULT_STACK,
    VCAP_APPLICATION: JSON.stringify(vcapApplication(options.app)),
    VCAP_SERVICES: services,
    MEMORY_LIMIT: `${MEMORY_MB}m`,
    LANG: "en_US.UTF-8",
    USER: "vcap",
    HOME: options.home,
    PATH: withPath(BASE_PATH, options.denoBinDir),
  };
  if (options.denoDir) env.DENO_DIR = options.denoDir;
  const db = databaseUrl(services);
  if (db !== undefined) env.DATABASE_URL = db;
  return { ...env, ...user };
}

/** Inputs of {@link launchEnv}. */
export interface LaunchEnvOptions {
  /** The emulated app. */
  app: AppIdentity;
  /** `<runtime root>/home/vcap`: the droplet is extracted here. */
  vcapHome: string;
  /** `$PORT`. */
  port: number;
  /** Instance GUID. */
  instanceGuid: string;
  /** User env: overrides everything, may set VCAP_SERVICES. */
  userEnv?: Record<string, string>;
}

/**
 * The app container's environment: `HOME=<vcapHome>/app`, `TMPDIR`,
 * `DEPS_DIR`, `PORT`, `VCAP_APP_PORT`, `VCAP_APP_HOST`, `LANG`,
 * `MEMORY_LIMIT`, `VCAP_APPLICATION` (with host, port, instance id/index),
 * `VCAP_SERVICES`, `INSTANCE_INDEX`, `CF_INSTANCE_*`, `PATH`, `USER`,
 * `DATABASE_URL`, then the user env.
 */
export function launchEnv(options: LaunchEnvOptions): Record<string, string> {
  const user = options.userEnv ?? {};
  const services = user.VCAP_SERVICES ?? "{}";
  const port = String(options.port);
  const vcapApp = {
    ...vcapApplication(options.app),
    host: "0.0.0.0",
    port: options.port,
    instance_id: options.instanceGuid,
    instance_index: 0,
  };
  const env: Record<string, string> = {
    HOME: `${options.vcapHome}/app`,
    TMPDIR: `${options.vcapHome}/tmp`,
    DEPS_DIR: `${options.vcapHome}/deps`,
    PORT: port,
    VCAP_APP_PORT: port,
    VCAP_APP_HOST: "0.0.0.0",
    LANG: "en_US.UTF-8",
    MEMORY_LIMIT: `${MEMORY_MB}m`,
    VCAP_APPLICATION: JSON.stringify(vcapApp),
    VCAP_SERVICES: services,
    INSTANCE_INDEX: "0",
    INSTANCE_GUID: options.instanceGuid,
    CF_INSTANCE_INDEX: "0",
    CF_INSTANCE_GUID: options.instanceGuid,
    CF_INSTANCE_IP: "127.0.0.1",
    CF_INSTANCE_INTERNAL_IP: "127.0.0.1",
    CF_INSTANCE_PORT: port,
    CF_INSTANCE_ADDR: `127.0.0.1:${port}`,
    CF_INSTANCE_PORTS: JSON.stringify([{ external: options.port, internal: options.port }]),
    PATH: BASE_PATH,
    USER: "vcap",
  };
  const db = databaseUrl(services);
  if (db !== undefined) env.DATABASE_URL = db;
  return { ...env, ...user };
}
