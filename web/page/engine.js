// The glue between a worker and the engine (web/engine, plain extern "C"
// exports). The engine reads files through ps_read: this worker answers
// with FileReaderSync, one range at a time, so a video never enters the
// engine's memory. Answers come back as JSON text.
'use strict';

class Refusal extends Error {
  constructor(answer) {
    super(answer.error);
    this.refusal = answer;
  }
}

// `len` bytes at `offset` of the cleaned file, from the plan's pieces
// (exactly the parts its Blob was made of).
function readPieces(reader, plan, file, offset, len) {
  const out = new Uint8Array(len);
  let at = 0; // where the current piece starts in the cleaned file
  for (const [kind, a, b] of plan.pieces) {
    const size = kind === 'i' ? b - a : kind === 'n' ? b : a;
    const from = Math.max(offset, at);
    const to = Math.min(offset + len, at + size);
    if (from < to) {
      const skip = from - at;
      if (kind === 'n') out.set(plan.newBytes.subarray(a + skip, a + skip + (to - from)), from - offset);
      else if (kind === 'i') out.set(new Uint8Array(reader.readAsArrayBuffer(file.slice(a + skip, a + skip + (to - from)))), from - offset);
    }
    at += size;
    if (at >= offset + len) break;
  }
  return out;
}

class Engine {
  static async load(url) {
    const files = [null, null]; // the dropped file, the cleaned Blob
    const reader = new FileReaderSync();
    let memory = null;
    const engine = { lastReadError: null, plan: null };
    const imports = {
      photoscrub: {
        ps_read(which, offset, ptr, len) {
          try {
            let bytes;
            try {
              bytes = new Uint8Array(reader.readAsArrayBuffer(files[which].slice(offset, offset + len)));
            } catch (e) {
              // Chromium's FileReaderSync cannot read past 2 GiB of a Blob
              // made of parts (NotReadableError); read the same parts.
              if (which !== 1 || !engine.plan) throw e;
              bytes = readPieces(reader, engine.plan, files[0], offset, len);
            }
            if (bytes.byteLength !== len) return 1;
            new Uint8Array(memory.buffer, ptr, len).set(bytes);
            return 0;
          } catch (e) {
            engine.lastReadError = `${e.name}: ${e.message} (bytes ${offset}..${offset + len} of ${files[which] && files[which].size})`;
            return 1;
          }
        },
      },
    };
    const response = await fetch(url);
    if (!response.ok) throw new Error(`cannot load ${url}: ${response.status}`);
    const { instance } = await WebAssembly.instantiate(await response.arrayBuffer(), imports);
    memory = instance.exports.memory;
    return Object.assign(new Engine(instance.exports, files), { reads: engine });
  }

  constructor(exports, files) {
    this.x = exports;
    this.files = files;
    this.reads = null;
    this.decoder = new TextDecoder();
  }

  // The engine's last answer; a refusal is thrown.
  answer(ok) {
    const x = this.x;
    const text = this.decoder.decode(new Uint8Array(x.memory.buffer, x.ps_text_ptr(), x.ps_text_len()));
    const value = JSON.parse(text);
    if (!ok && this.reads.lastReadError) value.error += ` [${this.reads.lastReadError}]`;
    this.reads.lastReadError = null;
    if (!ok) throw new Refusal(value);
    return value;
  }

  // The plan for `file`: its pieces, and the new bytes they point into.
  plan(file) {
    this.files[0] = file;
    this.files[1] = null;
    this.reads.plan = null;
    const plan = this.answer(this.x.ps_plan(file.size));
    const x = this.x;
    plan.newBytes = new Uint8Array(x.memory.buffer, x.ps_new_ptr(), x.ps_new_len()).slice();
    this.reads.plan = plan;
    return plan;
  }

  // The cleaned file as a Blob: new bytes, slices of the file, zeros.
  static assemble(plan, file, type) {
    const parts = [];
    let zeros = null;
    for (const [kind, a, b] of plan.pieces) {
      if (kind === 'n') parts.push(plan.newBytes.subarray(a, a + b));
      else if (kind === 'i') parts.push(file.slice(a, b));
      else {
        for (let left = a; left > 0; ) {
          const n = Math.min(left, 1 << 20);
          zeros = zeros && zeros.length >= n ? zeros : new Uint8Array(1 << 20);
          parts.push(zeros.subarray(0, n));
          left -= n;
        }
      }
    }
    return new Blob(parts, { type });
  }

  // Reads `blob` back and verifies it as the cleaned form of the file
  // planned last; the report.
  verify(blob) {
    this.files[1] = blob;
    try {
      return this.answer(this.x.ps_verify(blob.size));
    } finally {
      this.files[1] = null;
    }
  }

  // The last report again (after the place table was loaded).
  report() {
    return this.answer(this.x.ps_report());
  }

  // Hands the engine bytes in its scratch buffer.
  give(bytes) {
    const ptr = this.x.ps_scratch(bytes.length);
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
  }

  // The place table (kind 0) or map outlines (kind 1).
  loadData(kind, bytes) {
    this.give(bytes);
    return this.answer(this.x.ps_load(kind));
  }

  // The places of located photos [{lat, lon, day}].
  places(points) {
    this.give(new TextEncoder().encode(JSON.stringify(points)));
    return this.answer(this.x.ps_places());
  }
}
