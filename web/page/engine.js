// The glue between a worker and the engine (web/engine, plain extern "C"
// exports). The engine reads the dropped file through ps_read: this worker
// answers with FileReaderSync, one range at a time (a photo whole, a video
// only the ranges its plan needs). Answers come back as JSON text.
'use strict';

class Refusal extends Error {
  constructor(answer) {
    super(answer.error);
    this.refusal = answer;
  }
}

const MiB = 1 << 20;
// Zeros are taken from one Blob: a Blob made of Blobs refers to them, so a
// video's 2 GB of removed data costs no memory.
let zeroBlob = null;

class Engine {
  static async load(url) {
    const reader = new FileReaderSync();
    const state = { file: null, lastReadError: null, memory: null };
    const imports = {
      photoscrub: {
        ps_read(offset, ptr, len) {
          try {
            const bytes = new Uint8Array(reader.readAsArrayBuffer(state.file.slice(offset, offset + len)));
            if (bytes.byteLength !== len) return 1;
            new Uint8Array(state.memory.buffer, ptr, len).set(bytes);
            return 0;
          } catch (e) {
            state.lastReadError = `${e.name}: ${e.message} (bytes ${offset}..${offset + len} of ${state.file && state.file.size})`;
            return 1;
          }
        },
      },
    };
    const response = await fetch(url);
    if (!response.ok) throw new Error(`cannot load ${url}: ${response.status}`);
    const { instance } = await WebAssembly.instantiate(await response.arrayBuffer(), imports);
    state.memory = instance.exports.memory;
    return new Engine(instance.exports, state);
  }

  constructor(exports, state) {
    this.x = exports;
    this.state = state;
    this.decoder = new TextDecoder();
  }

  // The engine's last answer; a refusal is thrown.
  answer(ok) {
    const x = this.x;
    const text = this.decoder.decode(new Uint8Array(x.memory.buffer, x.ps_text_ptr(), x.ps_text_len()));
    const value = JSON.parse(text);
    if (!ok && this.state.lastReadError) value.error += ` [${this.state.lastReadError}]`;
    this.state.lastReadError = null;
    if (!ok) throw new Refusal(value);
    return value;
  }

  // The plan for `file`: its pieces, and the new bytes they point into.
  plan(file) {
    this.state.file = file;
    const plan = this.answer(this.x.ps_plan(file.size));
    const x = this.x;
    plan.newBytes = new Uint8Array(x.memory.buffer, x.ps_new_ptr(), x.ps_new_len()).slice();
    return plan;
  }

  // The cleaned file as a Blob: new bytes, slices of the file, zeros.
  static assemble(plan, file, type) {
    const parts = [];
    for (const [kind, a, b] of plan.pieces) {
      if (kind === 'n') parts.push(plan.newBytes.subarray(a, a + b));
      else if (kind === 'i') parts.push(file.slice(a, b));
      else parts.push(...zeros(a));
    }
    return new Blob(parts, { type });
  }

  // Reads back from `blob` every byte the page put there itself (the new
  // bytes, short runs of zeros): they must be where the plan says. The rest
  // of the Blob is slices of the file the engine read.
  static async checkOwnBytes(blob, plan) {
    for (const run of ownRuns(plan)) {
      const bytes = new Uint8Array(await blob.slice(run.start, run.end).arrayBuffer());
      for (const [kind, a, b, start] of run.pieces) {
        const got = bytes.subarray(start - run.start, start - run.start + (kind === 'n' ? b : a));
        const same = kind === 'n' ? equal(got, plan.newBytes.subarray(a, a + b)) : got.every((v) => v === 0);
        if (!same) {
          throw new Refusal({ status: 'unverified', error: `the page put the cleaned file together wrongly (at byte ${start})` });
        }
      }
    }
  }

  // Verifies the cleaned file the page assembled (`blob`) as the engine's
  // plan: the report.
  verify(blob) {
    return this.answer(this.x.ps_verify(blob.size));
  }

  // The CRC-32 of the cleaned file, from its pieces: new bytes and zeros
  // here, the file's ranges streamed through a buffer (a video's media
  // data is read once, never held).
  async crc32(plan, file) {
    let crc = 0;
    for (const [kind, a, b] of plan.pieces) {
      if (kind === 'n') crc = this.crcOf(crc, plan.newBytes.subarray(a, a + b));
      else if (kind === 'z') crc = this.x.ps_crc_zeros(crc, a) >>> 0;
      else await stream(file.slice(a, b), (chunk) => { crc = this.crcOf(crc, chunk); });
    }
    return crc;
  }

  crcOf(crc, bytes) {
    const ptr = this.x.ps_scratch(bytes.length);
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
    return this.x.ps_crc(crc, bytes.length) >>> 0;
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

// `n` zero bytes as Blob parts, each a reference to one 1 MiB zero Blob.
function zeros(n) {
  zeroBlob = zeroBlob || new Blob([new Uint8Array(MiB)]);
  const parts = [];
  for (let left = n; left > 0; left -= MiB) parts.push(left >= MiB ? zeroBlob : zeroBlob.slice(0, left));
  return parts;
}

// The plan's pieces the page writes itself, in runs of neighbours that are
// read back at once: new bytes, and zeros up to 64 KiB (longer runs of
// zeros come from the zero Blob and end a run).
function* ownRuns(plan) {
  let at = 0;
  let run = null;
  for (const [kind, a, b] of plan.pieces) {
    const size = kind === 'i' ? b - a : kind === 'n' ? b : a;
    const own = kind === 'n' || (kind === 'z' && a <= 65536);
    if (own) {
      run = run || { start: at, end: at, pieces: [] };
      run.pieces.push([kind, a, b, at]);
      run.end = at + size;
    } else if (run) {
      yield run;
      run = null;
    }
    at += size;
  }
  if (run) yield run;
}

function equal(x, y) {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

// Calls `use` with the bytes of `blob` in pieces of up to 4 MiB, read into
// one buffer when the browser can (a BYOB reader), so that reading 2 GB
// leaves no garbage behind.
let streamBuffer = null;
async function stream(blob, use) {
  let reader = null;
  try {
    reader = blob.stream().getReader({ mode: 'byob' });
  } catch (e) {
    // No byte streams here: plain chunks.
  }
  if (!reader) {
    const plain = blob.stream().getReader();
    for (let r = await plain.read(); !r.done; r = await plain.read()) use(r.value);
    return;
  }
  streamBuffer = streamBuffer || new ArrayBuffer(4 * MiB);
  for (;;) {
    const { done, value } = await reader.read(new Uint8Array(streamBuffer));
    // The read took the buffer over; it comes back with the bytes.
    streamBuffer = value ? value.buffer : new ArrayBuffer(4 * MiB);
    if (done) break;
    use(value);
  }
}
