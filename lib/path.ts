/**
 * POSIX path functions with `node:path`'s results, for the buildpack's own
 * code. Importing `node:path` starts Deno's Node compatibility layer, ~10 ms
 * of every phase's start-up (measured: `deno run` of a module importing only
 * `node:path` 30 ms, an empty one 20 ms); the buildpack runs on Linux only,
 * so the POSIX half is all it needs. `lib/path_test.ts` checks every function
 * against `node:path` on every short path.
 * @module
 */

/** Whether `path` is absolute. */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/**
 * `.` and `..` segments resolved and repeated slashes collapsed; a trailing
 * slash is kept, `..` above a relative start is kept, above `/` dropped.
 */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = isAbsolute(path);
  const trailing = path.endsWith("/");
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") out.push(segment);
    else if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (!absolute) out.push("..");
  }
  let result = out.join("/");
  if (absolute) return "/" + result + (trailing && result !== "" ? "/" : "");
  if (result === "") result = ".";
  return trailing ? result + "/" : result;
}

/** The non-empty parts joined with `/` and normalized (`.` when none). */
export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

/** The absolute path of `parts` from the working directory, without a trailing slash. */
export function resolve(...parts: string[]): string {
  let path = "";
  for (let i = parts.length - 1; i >= 0 && !isAbsolute(path); i--) {
    if (parts[i] !== "") path = path === "" ? parts[i] : `${parts[i]}/${path}`;
  }
  if (!isAbsolute(path)) path = path === "" ? Deno.cwd() : `${Deno.cwd()}/${path}`;
  const normal = normalize(path);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

/** The path from `from` to `to` (both resolved first); `""` when they are the same. */
export function relative(from: string, to: string): string {
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...a.slice(common).map(() => ".."), ...b.slice(common)].join("/");
}

/** The directory part: trailing slashes ignored, `.` without a slash, `/` for the root. */
export function dirname(path: string): string {
  if (path === "") return ".";
  const absolute = isAbsolute(path);
  let end = -1;
  let inName = false;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] !== "/") inName = true;
    else if (inName) {
      end = i;
      break;
    }
  }
  if (end === -1) return absolute ? "/" : ".";
  if (absolute && end === 1) return "//";
  return path.slice(0, end);
}

/** The last segment, trailing slashes ignored (`""` for `/`). */
export function basename(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === "/") end--;
  return path.slice(path.lastIndexOf("/", end - 1) + 1, end);
}

/**
 * The path of a `file:` URL, percent-decoded. Throws a TypeError, as
 * `node:url`'s `fileURLToPath` does, for another scheme, a host other than
 * `localhost`, or an encoded `/` in the path.
 */
export function fromFileUrl(url: string | URL): string {
  const u = typeof url === "string" ? new URL(url) : url;
  if (u.protocol !== "file:") throw new TypeError(`The URL must be of scheme file: ${u.href}`);
  if (u.hostname !== "" && u.hostname !== "localhost") {
    throw new TypeError(`File URL host must be "localhost" or empty: ${u.href}`);
  }
  if (/%2f/i.test(u.pathname)) {
    throw new TypeError(`File URL path must not include encoded / characters: ${u.href}`);
  }
  return decodeURIComponent(u.pathname);
}
