/**
 * Reading a byte stream (gzip's stdout) into a few buffers that are used
 * again and again, instead of a new one per read.
 *
 * Why: a plain read of a Deno byte stream allocates a fresh 64 KiB
 * `ArrayBuffer` per read, and V8 frees those only at its next collection,
 * which the few JS objects a read allocates do not hurry. Reading the
 * runtime's 68 MB of tar that way kept 20-40 MiB of dead buffers alive
 * (measured: a bare read loop of `gzip -dc` peaked 41 MiB above the module
 * baseline, 7 MiB with buffers read into again).
 *
 * A buffer is read into again only once the consumer has said, through
 * {@link ReusedChunks.release}, that nothing before the end of its bytes is
 * referenced any more. Until then a read goes to another buffer; past
 * {@link MAX_BUFFERS} in use, to a fresh one that is not kept (a consumer
 * that never releases costs what a plain read does, and is still correct).
 * @module
 */

/** Bytes per buffer: a pipe's capacity (64 KiB), more than one read returns. */
const BUFFER_SIZE = 64 * 1024;
/** Buffers kept for reuse. */
export const MAX_BUFFERS = 16;

/** A buffer and the stream offset where the bytes last read into it end. */
interface Slot {
  /** A view of the whole buffer (a BYOB read hands it back in a new ArrayBuffer). */
  view: Uint8Array;
  /** Stream offset just past the bytes last read into it (0 if none). */
  end: number;
}

/** The chunks of a byte stream, read into reused buffers; see the module's doc. */
export class ReusedChunks implements AsyncIterable<Uint8Array> {
  readonly #stream: ReadableStream<Uint8Array>;
  readonly #slots: Slot[] = [];
  /** Bytes read so far. */
  #offset = 0;
  /** The consumer keeps nothing before this offset. */
  #released = 0;
  /** Whether the stream was read to its end. */
  ended = false;

  /** @param stream a byte stream (`type: "bytes"`, as a child's stdout is) */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#stream = stream;
  }

  /** The consumer keeps no reference to the stream's bytes before `offset`. */
  release(offset: number): void {
    if (offset > this.#released) this.#released = offset;
  }

  /** A buffer free to be read into: a released one, a new kept one, or a new one not kept. */
  #free(): Slot {
    for (const slot of this.#slots) if (slot.end <= this.#released) return slot;
    const slot = { view: new Uint8Array(BUFFER_SIZE), end: 0 };
    if (this.#slots.length < MAX_BUFFERS) this.#slots.push(slot);
    return slot;
  }

  /** Each chunk is valid until the consumer releases the offset past it. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const reader = this.#stream.getReader({ mode: "byob" });
    try {
      for (;;) {
        const slot = this.#free();
        const { done, value } = await reader.read(slot.view);
        if (done || !value) {
          this.ended = true;
          return;
        }
        slot.view = new Uint8Array(value.buffer);
        this.#offset += value.length;
        slot.end = this.#offset;
        yield value;
      }
    } finally {
      // Stopped early (a refused entry, a write failing): let go of the pipe.
      if (!this.ended) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
}
