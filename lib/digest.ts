/**
 * sha256 of texts and small buffers with WebCrypto. Staging code uses this
 * instead of `node:crypto`, whose loading cost every phase ~15 ms of
 * start-up; streaming file hashes (cold path only) load `node:crypto` on use.
 * @module
 */

/** Lowercase hex sha256 of a text (UTF-8) or bytes. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
