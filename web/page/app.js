// The page: take files (picked or dropped, folders too), clean them in
// workers (one per core), show what each would have told a stranger, and
// offer the verified cleaned files one by one, as a ZIP, or to share.
'use strict';

const $ = (id) => document.getElementById(id);
const SHOWN_BY_BROWSER = new Set(['jpeg', 'png', 'gif', 'webp', 'avif']);
const CATEGORIES = ['location', 'people', 'device', 'time', 'preview', 'text', 'unknown', 'rendering'];

const state = { items: [], queue: [], workers: [], busy: 0, nextId: 0, zipUrl: null, places: null, located: null };

// ---- words: one catalogue per language (lang-en.json, lang-nl.json) -----

const words = { lang: 'en', strings: {} };

// Dutch when the browser prefers it to English, else English.
function chooseLanguage(languages) {
  for (const tag of languages || []) {
    const lang = String(tag).slice(0, 2).toLowerCase();
    if (lang === 'nl' || lang === 'en') return lang;
  }
  return 'en';
}

// The catalogue's text for `key`, {name}s filled from `vars`; a {one,
// other} entry is chosen by vars.n.
function t(key, vars = {}) {
  let text = words.strings[key];
  if (text === undefined) return key;
  if (typeof text === 'object') text = vars.n === 1 ? text.one : text.other;
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in vars ? String(vars[name]) : all));
}

async function useLanguage(lang) {
  const response = await fetch(`lang-${lang}.json`);
  if (!response.ok) return;
  words.strings = await response.json();
  words.lang = lang;
  document.documentElement.lang = lang;
  document.title = t('title');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  $('language').lang = lang === 'nl' ? 'en' : 'nl';
  redraw();
}

// Everything already shown, again in the current language.
function redraw() {
  if (!state.items.length) return;
  progress();
  for (const item of state.items) {
    if (item.done) fillCard(item);
    else item.card.querySelector('.state').textContent = t('waiting');
  }
  if (!$('summary').hidden) {
    const cleaned = state.items.filter((i) => i.report);
    labelZip(cleaned);
    summaryList(cleaned);
    showPlaces(state.places, state.located);
  }
}

// ---- taking files ------------------------------------------------------

function addFiles(list) {
  for (const { file, path } of list) {
    const item = { id: state.nextId++, file, path: uniquePath(path), done: false };
    state.items.push(item);
    state.queue.push(item);
    item.card = card(item);
  }
  hideZip();
  $('results').hidden = false;
  pump();
}

// Two dropped files of the same relative name get " (2)", " (3)".
function uniquePath(path) {
  const taken = new Set(state.items.map((i) => i.path));
  if (!taken.has(path)) return path;
  const dot = path.lastIndexOf('.') > path.lastIndexOf('/') ? path.lastIndexOf('.') : path.length;
  for (let n = 2; ; n++) {
    const next = `${path.slice(0, dot)} (${n})${path.slice(dot)}`;
    if (!taken.has(next)) return next;
  }
}

// Every file under the dropped items, folders walked, with relative paths.
async function droppedFiles(dataTransfer) {
  const entries = [...dataTransfer.items]
    .filter((i) => i.kind === 'file')
    .map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
  if (entries.some((e) => !e)) {
    return [...dataTransfer.files].map((file) => ({ file, path: file.name }));
  }
  const found = [];
  const walk = async (entry) => {
    if (entry.isFile) {
      const file = await new Promise((ok, fail) => entry.file(ok, fail));
      found.push({ file, path: entry.fullPath.replace(/^\/+/, '') });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
        if (!batch.length) break;
        for (const child of batch) await walk(child);
      }
    }
  };
  for (const entry of entries) await walk(entry);
  return found;
}

// ---- the workers --------------------------------------------------------

function startWorkers() {
  const n = Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8));
  for (let i = 0; i < n; i++) {
    const worker = new Worker('worker.js');
    worker.job = null;
    worker.onmessage = ({ data }) => finished(worker, data);
    worker.onerror = (e) => {
      e.preventDefault();
      finished(worker, { id: worker.job && worker.job.id, ok: false, refusal: { status: 'failed', error: t('could_not_clean') } });
    };
    state.workers.push(worker);
  }
}

function pump() {
  for (const worker of state.workers) {
    if (worker.job || !state.queue.length) continue;
    const job = state.queue.shift();
    worker.job = job;
    state.busy++;
    if (job.kind === 'places') worker.postMessage({ kind: 'places', id: -1, points: job.points });
    else worker.postMessage({ kind: 'clean', id: job.id, file: job.file });
  }
  progress();
}

function finished(worker, data) {
  const job = worker.job;
  worker.job = null;
  state.busy--;
  if (job && job.kind === 'places') {
    state.places = data.ok ? data.places : null;
    state.located = job.located;
    showPlaces(state.places, state.located);
  }
  else if (job) {
    job.done = true;
    if (data.ok) {
      job.blob = data.blob;
      job.report = data.report;
      job.url = URL.createObjectURL(data.blob);
    } else {
      job.refusal = data.refusal;
    }
    fillCard(job);
  }
  pump();
  if (!state.busy && !state.queue.length && job && job.kind !== 'places') batchDone();
}

// ---- progress -----------------------------------------------------------

function progress() {
  const total = state.items.reduce((n, i) => n + i.file.size, 0);
  const done = state.items.filter((i) => i.done).reduce((n, i) => n + i.file.size, 0);
  const count = state.items.filter((i) => i.done).length;
  $('bar').max = total || 1;
  $('bar').value = done;
  $('status').textContent = count === state.items.length
    ? t('status_done', { n: count })
    : t('status_cleaning', { i: count + 1, n: state.items.length });
}

// ---- one file's card ----------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function card(item) {
  const node = el('li', { class: 'card' }, el('div', { class: 'thumb' }), el('div', { class: 'body' }, el('h3', {}, item.path), el('p', { class: 'state' }, t('waiting'))));
  $('files').append(node);
  return node;
}

function fillCard(item) {
  const body = item.card.querySelector('.body');
  const thumb = item.card.querySelector('.thumb');
  body.replaceChildren(el('h3', {}, item.path));
  thumb.replaceChildren();
  if (item.refusal) {
    item.card.classList.add('refused');
    body.append(el('p', { class: 'state' }, refusalWords(item.refusal)));
    return;
  }
  const r = item.report;
  if (SHOWN_BY_BROWSER.has(r.format)) {
    thumb.append(el('img', { src: item.url, alt: '', loading: 'lazy' }));
  } else {
    thumb.append(el('span', { class: 'format' }, r.format));
  }
  const word = r.status === 'cleaned' ? t('state_cleaned') : t('state_already_clean');
  body.append(el('p', { class: 'state ok' }, `${word} · ${r.format.toUpperCase()} · ${size(r.size)}`));
  body.append(whatItTold(r.scan));
  const actions = el('p', { class: 'actions' }, el('a', { href: item.url, download: baseName(item.path), class: 'button' }, t('download')));
  const file = new File([item.blob], baseName(item.path), { type: item.blob.type });
  if (navigator.canShare && navigator.canShare({ files: [file] })) {
    const share = el('button', { type: 'button', class: 'button' }, t('share'));
    share.onclick = () => navigator.share({ files: [file] }).catch(() => {});
    actions.append(share);
  }
  body.append(actions);
}

function refusalWords({ status, error }) {
  const known = ['refused', 'failed', 'unverified'].includes(status);
  return t('not_offered', { why: t(known ? `why_${status}` : 'why_other'), error });
}

// One line per kind of thing found: what it said, and whether it is gone.
function whatItTold(scan) {
  const list = el('ul', { class: 'told' });
  const byCategory = new Map();
  for (const f of scan.findings) {
    if (!byCategory.has(f.category)) byCategory.set(f.category, []);
    byCategory.get(f.category).push(f);
  }
  for (const category of CATEGORIES) {
    const found = byCategory.get(category);
    if (!found) continue;
    const removed = found.filter((f) => f.removed).length;
    const fate = removed === found.length ? t('fate_removed') : removed ? t('fate_some_removed', { removed, n: found.length }) : t('fate_kept');
    list.append(el('li', { class: removed ? 'gone' : 'kept' }, el('strong', {}, `${t(`category_${category}`)}: `), sample(category, found, scan), el('em', {}, ` — ${fate}`)));
  }
  if (!list.children.length) list.append(el('li', {}, t('nothing_told')));
  return list;
}

function sample(category, found, scan) {
  const loc = scan.locations.find((l) => !l.invalid) || scan.locations[0];
  if (category === 'location' && loc) return describeLocation(loc);
  if (category === 'rendering') return [...new Set(found.map((f) => f.tag))].join(', ');
  const values = [...new Set(found.map((f) => `${f.tag}: ${f.value}`))];
  const more = found.length - Math.min(values.length, 4);
  return values.slice(0, 4).join('; ') + (more > 0 ? t('and_more', { n: more }) : '');
}

function describeLocation(loc) {
  if (loc.invalid) return t('invalid_coordinates', { why: loc.invalid });
  let s = `${loc.lat.toFixed(6)}, ${loc.lon.toFixed(6)}`;
  if (loc.place) s += ` — ${loc.place}`;
  return s;
}

const baseName = (path) => path.slice(path.lastIndexOf('/') + 1);
const size = (n) => (n < 1 << 20
  ? `${Math.max(1, Math.round(n / 1024))} KB`
  : `${(n / (1 << 20)).toLocaleString(words.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 })} MB`);

// ---- the batch: summary and ZIP ----------------------------------------

function batchDone() {
  const cleaned = state.items.filter((i) => i.report);
  summary(cleaned);
  if (!cleaned.length) return;
  try {
    const zip = zipBlob(cleaned.map((i) => ({ name: i.path, blob: i.blob, crc32: i.report.crc32 })));
    state.zipUrl = URL.createObjectURL(zip);
    state.zipSize = zip.size;
    $('zip').href = state.zipUrl;
    labelZip(cleaned);
    $('zip').hidden = false;
  } catch (e) {
    $('status').textContent = t('zip_too_large');
  }
}

function labelZip(cleaned) {
  $('zip').textContent = t('zip_link', { n: cleaned.length, size: size(state.zipSize || 0) });
}

function hideZip() {
  $('zip').hidden = true;
  $('zip').removeAttribute('href');
  if (state.zipUrl) URL.revokeObjectURL(state.zipUrl);
  state.zipUrl = null;
}

function summary(cleaned) {
  summaryList(cleaned);
  const located = cleaned
    .map((i) => ({ item: i, loc: i.report.scan.locations.find((l) => !l.invalid) }))
    .filter((x) => x.loc);
  $('summary').hidden = false;
  $('places-list').replaceChildren();
  state.places = null;
  if (located.length) {
    const points = located.map(({ item, loc }) => ({ lat: loc.lat, lon: loc.lon, day: item.report.day }));
    state.queue.push({ kind: 'places', points, located });
    pump();
  }
}

// Names, serial numbers, captions, previews and refusals of the batch.
function summaryList(cleaned) {
  const all = cleaned.flatMap((i) => i.report.scan.findings);
  const unique = (xs) => [...new Set(xs.filter(Boolean))];
  const names = unique(all.filter((f) => f.category === 'people').map((f) => f.value));
  const serials = unique(all.filter((f) => f.category === 'device' && /Serial|UniqueID/.test(f.tag)).map((f) => f.value));
  const captions = unique(all.filter((f) => f.category === 'text').map((f) => f.value));
  const previews = all.filter((f) => f.category === 'preview').length;
  const refused = state.items.filter((i) => i.refusal).length;
  const list = $('summary-list');
  list.replaceChildren();
  const line = (label, items) => items.length && list.append(el('li', {}, el('strong', {}, `${label}: `), items.join(', ')));
  line(t('summary_names'), names);
  line(t('summary_serials'), serials);
  line(t('summary_captions'), captions.slice(0, 10));
  if (previews) list.append(el('li', {}, t('summary_previews', { n: previews })));
  if (refused) list.append(el('li', { class: 'refused' }, t('summary_refused', { n: refused })));
}

function showPlaces(places, located) {
  const list = $('places-list');
  list.replaceChildren();
  if (!places) return;
  for (const p of places) {
    const files = p.members.map((i) => located[i].item.path);
    const text = p.repeated
      ? t('place_repeated', { n: files.length, days: p.days.length, place: p.name })
      : t('place_photos', { place: p.name, n: files.length });
    list.append(el('li', { class: p.repeated ? 'repeated' : '' }, text, el('small', {}, ` (${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}: ${files.join(', ')})`)));
  }
}

// ---- wiring -------------------------------------------------------------

function init() {
  useLanguage(chooseLanguage(navigator.languages || [navigator.language]));
  $('language').addEventListener('click', () => useLanguage(words.lang === 'nl' ? 'en' : 'nl'));
  startWorkers();
  const input = $('pick');
  // One file input for both: a folder is picked with webkitdirectory set
  // (every file under it, with its path relative to the folder's parent).
  // (The input's own click bubbles up to its label: only a click on the
  // label itself means "photos".)
  $('pick-files').addEventListener('click', (e) => {
    if (e.target !== input) input.webkitdirectory = false;
  });
  $('pick-folder').addEventListener('click', () => {
    input.webkitdirectory = true;
    input.click();
  });
  input.addEventListener('change', () => {
    addFiles([...input.files].map((file) => ({ file, path: file.webkitRelativePath || file.name })));
    input.value = '';
  });
  const zone = $('drop');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', async (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    addFiles(await droppedFiles(e.dataTransfer));
  });
  // Dropped anywhere else, files would be opened by the browser instead.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    navigator.serviceWorker.register('sw.js').catch(() => {});
  }
}

init();
