import assert from "node:assert/strict";
import { librariesToBundle, multiarch, parseLdd, tarballDirs } from "./cf_layout.ts";

const LDD = `	linux-vdso.so.1 (0x00007efe8fffe000)
	libtk8.6.so => /lib/x86_64-linux-gnu/libtk8.6.so (0x00007efe8fe6a000)
	libtcl8.6.so => /lib/x86_64-linux-gnu/libtcl8.6.so (0x00007efe8fca5000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007efe8fac3000)
	libX11.so.6 => /lib/x86_64-linux-gnu/libX11.so.6 (0x00007efe8f91a000)
	libXss.so.1 => not found
	/lib64/ld-linux-x86-64.so.2 (0x00007efe90000000)
`;

Deno.test("parseLdd keeps resolved libraries only", () => {
  assert.deepEqual(parseLdd(LDD).map((e) => e.soname), [
    "libtk8.6.so",
    "libtcl8.6.so",
    "libc.so.6",
    "libX11.so.6",
  ]);
  assert.equal(parseLdd(LDD)[0].path, "/lib/x86_64-linux-gnu/libtk8.6.so");
  assert.deepEqual(parseLdd("\tstatically linked\n"), []);
});

Deno.test("librariesToBundle picks Tcl and Tk, not what the stack has", () => {
  assert.deepEqual(librariesToBundle(parseLdd(LDD)).map((e) => e.soname), [
    "libtcl8.6.so",
    "libtk8.6.so",
  ]);
  assert.deepEqual(
    librariesToBundle([{ soname: "libtclstub.a", path: "/x" }, {
      soname: "libc.so.6",
      path: "/y",
    }]),
    [],
  );
});

Deno.test("multiarch and tarballDirs", () => {
  assert.equal(multiarch("x86_64"), "x86_64-linux-gnu");
  assert.deepEqual(tarballDirs(false), ["bin", "include", "lib"]);
  assert.deepEqual(tarballDirs(true), ["bin", "include", "lib", "usr"]);
});
