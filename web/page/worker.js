// One worker cleans one file at a time: plan, assemble the Blob, check the
// page's own bytes in it, verify, checksum, report. Several run side by
// side (one per core).
'use strict';
importScripts('engine.js');

let ready = Engine.load('engine.wasm');
let placeTables = null;

// The place table and map outlines, fetched once, only when a photo has a
// location (the page's own files: nothing leaves the device).
function loadPlaces(engine) {
  placeTables = placeTables || (async () => {
    for (const [kind, url] of [[0, 'places.bin'], [1, 'map.bin']]) {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`cannot load ${url}`);
      engine.loadData(kind, new Uint8Array(await response.arrayBuffer()));
    }
  })();
  return placeTables;
}

async function clean(engine, file) {
  const plan = engine.plan(file);
  const blob = Engine.assemble(plan, file, file.type || 'application/octet-stream');
  await Engine.checkOwnBytes(blob, plan);
  let report = engine.verify(blob);
  // A photo's CRC comes from the engine; a video's is streamed.
  const crc32 = report.crc32 !== null ? report.crc32 : await engine.crc32(plan, file);
  if (report.needs_places) {
    try {
      await loadPlaces(engine);
      report = engine.report();
    } catch (e) {
      // Without the table the coordinates are still shown.
    }
  }
  report.crc32 = crc32;
  return { blob, report };
}

onmessage = async ({ data }) => {
  let engine;
  try {
    engine = await ready;
  } catch (e) {
    postMessage({ id: data.id, ok: false, refusal: { status: 'failed', error: `the engine did not load (${e.message})` } });
    return;
  }
  try {
    if (data.kind === 'clean') {
      postMessage({ id: data.id, ok: true, ...(await clean(engine, data.file)) });
    } else if (data.kind === 'places') {
      try {
        await loadPlaces(engine);
      } catch (e) {
        // Coordinates instead of names.
      }
      postMessage({ id: data.id, ok: true, places: engine.places(data.points) });
    }
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      // The engine stopped (a bug it caught itself): start a fresh one.
      ready = Engine.load('engine.wasm');
      placeTables = null;
    }
    const refusal = e.refusal || { status: 'failed', error: String(e && e.message || e) };
    postMessage({ id: data.id, ok: false, refusal });
  }
};
