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

class Engine {
  static async load(url) {
    const files = [null, null]; // the dropped file, the cleaned Blob
    const reader = new FileReaderSync();
    let memory = null;
    const imports = {
      photoscrub: {
        ps_read(which, offset, ptr, len) {
          try {
            const bytes = reader.readAsArrayBuffer(files[which].slice(offset, offset + len));
            if (bytes.byteLength !== len) return 1;
            new Uint8Array(memory.buffer, ptr, len).set(new Uint8Array(bytes));
            return 0;
          } catch (e) {
            return 1;
          }
        },
      },
    };
    const response = await fetch(url);
    if (!response.ok) throw new Error(`cannot load ${url}: ${response.status}`);
    const { instance } = await WebAssembly.instantiate(await response.arrayBuffer(), imports);
    memory = instance.exports.memory;
    return new Engine(instance.exports, files);
  }

  constructor(exports, files) {
    this.x = exports;
    this.files = files;
    this.decoder = new TextDecoder();
  }

  // The engine's last answer; a refusal is thrown.
  answer(ok) {
    const x = this.x;
    const text = this.decoder.decode(new Uint8Array(x.memory.buffer, x.ps_text_ptr(), x.ps_text_len()));
    const value = JSON.parse(text);
    if (!ok) throw new Refusal(value);
    return value;
  }

  // The plan for `file`: its pieces, and the new bytes they point into.
  plan(file) {
    this.files[0] = file;
    this.files[1] = null;
    const plan = this.answer(this.x.ps_plan(file.size));
    const x = this.x;
    plan.newBytes = new Uint8Array(x.memory.buffer, x.ps_new_ptr(), x.ps_new_len()).slice();
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
