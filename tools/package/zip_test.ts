import assert from "node:assert/strict";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { clampZipEpoch, dosDate, EXEC_MODE, ZipWriter } from "./zip.ts";

/** Central directory records: name, "version made by", external attributes. */
function centralDirectory(zip: Uint8Array) {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = zip.length - 22;
  while (view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const records = [];
  for (let i = 0; i < count; i++) {
    assert.equal(view.getUint32(p, true), 0x02014b50);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    records.push({
      name: new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLength)),
      madeBy: view.getUint8(p + 5),
      mode: view.getUint32(p + 38, true) >>> 16,
      dosTime: view.getUint32(p + 12, true),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return records;
}

Deno.test("ZipWriter writes Unix modes, symlinks and a Unix creator", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const src = join(dir, "big.bin");
    const big = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    await Deno.writeFile(src, big);
    const path = join(dir, "out.zip");
    const zip = await ZipWriter.create(path, 1_700_000_000);
    await zip.addFile("bin/buildpack", src, EXEC_MODE);
    await zip.addSymlink("bin/supply", "buildpack");
    await zip.addBytes("VERSION", new TextEncoder().encode("1.2.3\n"));
    await zip.addBytes("dependencies/x/python.tgz", new Uint8Array([1, 2, 3]));
    await assert.rejects(() => zip.addBytes("VERSION", new Uint8Array()), /duplicate/);
    const size = await zip.close();
    const bytes = await Deno.readFile(path);
    assert.equal(size, bytes.length);
    const records = centralDirectory(bytes);
    assert.deepEqual(records.map((r) => [r.name, r.madeBy, r.mode.toString(8)]), [
      ["bin/buildpack", 3, "100755"],
      ["bin/supply", 3, "120777"],
      ["VERSION", 3, "100644"],
      ["dependencies/x/python.tgz", 3, "100644"],
    ]);
    // 2023-11-14 22:13:20 UTC as a DOS date/time, whatever the local zone.
    const t = records[0].dosTime;
    assert.deepEqual(
      [(t >>> 25) + 1980, (t >>> 21) & 15, (t >>> 16) & 31, (t >>> 11) & 31, (t >>> 5) & 63],
      [2023, 11, 14, 22, 13],
    );
    const files = unzipSync(bytes);
    assert.deepEqual(files["bin/buildpack"], big);
    assert.equal(new TextDecoder().decode(files["bin/supply"]), "buildpack");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DOS timestamps are clamped to what the format can hold", () => {
  assert.equal(clampZipEpoch(0), 315532800);
  assert.equal(dosDate(0).getFullYear(), 1980);
  assert.equal(clampZipEpoch(1e12), Date.UTC(2099, 11, 31, 23, 59, 58) / 1000);
});
