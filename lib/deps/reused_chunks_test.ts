import assert from "node:assert/strict";
import { MAX_BUFFERS, ReusedChunks } from "./reused_chunks.ts";

/** A byte stream of `data`, at most `step` bytes a read (as a pipe gives); `cancelled` when cancelled. */
function byteStream(
  data: Uint8Array,
  step: number,
  state = { cancelled: false },
): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller: ReadableByteStreamController) {
      const request = controller.byobRequest!;
      const view = request.view as Uint8Array;
      if (at === data.length) {
        controller.close();
        request.respond(0);
        return;
      }
      const n = Math.min(step, view.length, data.length - at);
      view.set(data.subarray(at, at + n));
      at += n;
      request.respond(n);
    },
    cancel() {
      state.cancelled = true;
    },
  });
}

function sample(length: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (i * 7919) >> 3;
  return data;
}

Deno.test("chunks come in order, and a released buffer is read into again", async () => {
  const data = sample(1_000_003);
  const source = new ReusedChunks(byteStream(data, 50_000));
  const out = new Uint8Array(data.length);
  let offset = 0;
  let previous: Uint8Array | undefined;
  for await (const chunk of source) {
    // The one buffer released so far was taken by this read: its old view is gone.
    if (previous) assert.equal(previous.byteLength, 0);
    out.set(chunk, offset);
    offset += chunk.length;
    source.release(offset);
    previous = chunk;
  }
  assert.ok(source.ended);
  assert.equal(offset, data.length);
  assert.deepEqual(out, data);
});

Deno.test("a buffer not released is never read into, even past the buffers kept", async () => {
  const data = sample(64 * 1024 * (MAX_BUFFERS + 4) + 17);
  const source = new ReusedChunks(byteStream(data, 60_000));
  const held: { chunk: Uint8Array; copy: Uint8Array }[] = [];
  let offset = 0;
  for await (const chunk of source) {
    held.push({ chunk, copy: chunk.slice() });
    offset += chunk.length; // and nothing is released: every chunk stays held
  }
  assert.ok(held.length > MAX_BUFFERS);
  for (const [i, { chunk, copy }] of held.entries()) {
    // Compared by hand: a diff of two 60 kB arrays is more than the test runner can print.
    assert.equal(chunk.length, copy.length, `chunk ${i} was read into again`);
    assert.ok(chunk.every((b, j) => b === copy[j]), `chunk ${i} was overwritten`);
  }
  assert.equal(offset, data.length);
});

Deno.test("stopping early cancels the stream", async () => {
  const state = { cancelled: false };
  const source = new ReusedChunks(byteStream(sample(300_000), 10_000, state));
  for await (const _ of source) break;
  assert.ok(!source.ended);
  assert.ok(state.cancelled);
});
