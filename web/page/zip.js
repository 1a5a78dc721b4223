// A ZIP of cleaned files, "stored" (no recompression: the photos are
// already compressed), built as a Blob of headers and the cleaned Blobs,
// so nothing is copied. Times are a fixed 1980-01-01: a ZIP should not
// say when the photos were cleaned either.
'use strict';

const ZIP_LIMIT = 0xFFFFFFFF;

function zipBlob(entries) {
  // entries: [{ name, blob, crc32 }]
  const encoder = new TextEncoder();
  const parts = [];
  const central = [];
  let offset = 0;
  for (const { name, blob, crc32 } of entries) {
    if (blob.size >= ZIP_LIMIT || offset >= ZIP_LIMIT) {
      throw new Error('the ZIP would be larger than 4 GB: download the files one by one');
    }
    const nameBytes = encoder.encode(name);
    const local = header(30, nameBytes, (v) => {
      v.setUint32(0, 0x04034b50, true);
      common(v, 4, crc32, blob.size);
    });
    central.push(header(46, nameBytes, (v) => {
      v.setUint32(0, 0x02014b50, true);
      v.setUint16(4, 20, true); // made by: version 2.0
      common(v, 6, crc32, blob.size);
      v.setUint32(42, offset, true);
    }));
    parts.push(local, blob);
    offset += local.length + blob.size;
  }
  const size = central.reduce((n, c) => n + c.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, size, true);
  end.setUint32(16, offset, true);
  return new Blob([...parts, ...central, end], { type: 'application/zip' });
}

// A header of `fixed` bytes followed by the name.
function header(fixed, nameBytes, fill) {
  const bytes = new Uint8Array(fixed + nameBytes.length);
  fill(new DataView(bytes.buffer));
  bytes.set(nameBytes, fixed);
  return bytes;
}

// The fields local and central headers share, from `at` (version needed).
function common(v, at, crc32, size) {
  v.setUint16(at, 20, true); // version needed: 2.0
  v.setUint16(at + 2, 0x0800, true); // names are UTF-8
  v.setUint16(at + 4, 0, true); // stored
  v.setUint16(at + 6, 0, true); // 00:00
  v.setUint16(at + 8, (0 << 9) | (1 << 5) | 1, true); // 1980-01-01
  v.setUint32(at + 10, crc32 >>> 0, true);
  v.setUint32(at + 14, size, true);
  v.setUint32(at + 18, size, true);
  v.setUint16(at + 22, v.byteLength - (at === 4 ? 30 : 46), true); // name length
}
