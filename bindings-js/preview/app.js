// portplan preview: the plan of a config as a table and a picture of the range.
// Every port comes from the core: the `portplan/web` wasm engine, or in project mode
// (`portplan preview` serving the page) the CLI's read-only endpoints, which plan against the
// registry's leases and the ports busy on the host. This file only draws.
// Names are untrusted: they only ever become text nodes or attribute values, never HTML.

import * as engine from './pkg/index.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const COLS = 16; // ports per row of the picture
const FULL_VIEW = 256; // ranges up to this many ports are drawn whole; larger ones are zoomed
const CELL = { w: 44, h: 32, gap: 4, label: 64, gapRow: 22 };

const EXAMPLES = [
  {
    label: 'A shop in a small range (TOML)',
    busy: [40036],
    text: `# Edit me: the plan below updates as you type.
namespace = "shop"
range = [40000, 40047]
exclude = [[40026, 40028], 40045]

[services]
web = true      # free: its home port, else the next free
api = true
auth = true
cache = true
worker = true
docs = true
search = true
admin = true
mail = 40018    # pinned: always exactly this port
`,
  },
  {
    label: 'Defaults: range 20000-29999 (JSON)',
    busy: [],
    text: pretty({ namespace: 'shop', services: { web: true, api: true, worker: true, docs: true, ssh: 22 } }) + '\n',
  },
  {
    label: 'Block layout: one block per branch',
    busy: [],
    text: `layout = "block"
namespace = "shop@main"
block_size = 10
range = [30000, 30199]

[services]
web = true
api = true
db = true
`,
  },
  {
    label: 'Sequential layout (NixOS style)',
    busy: [3001],
    text: `layout = "sequential"
range = [3000, 3063]
exclude = []

[services]
attic = true
grafana = true
hedgedoc = true
prometheus = true
ssh = 22
`,
  },
  {
    label: 'Error: two services pin one port',
    busy: [],
    text: `[services]
ssh = 22
sshd = 22
web = true
`,
  },
  {
    label: 'Error: range exhausted',
    busy: [],
    text: `range = [40000, 40001]
exclude = []

[services]
a = true
b = true
c = true
`,
  },
];

const ERROR_TITLES = {
  duplicate_pin: 'Duplicate pin',
  pin_busy: 'Pinned port is busy',
  range_exhausted: 'Range exhausted',
  invalid_range: 'Invalid range',
  invalid_config: 'Invalid config',
  invalid_name: 'Invalid name',
  invalid_port: 'Invalid port',
  invalid_request: 'Invalid request',
};

const $ = (id) => document.getElementById(id);
const state = { text: '', busy: [] };
let revision = 0;
let renders = 0; // the latest render asked for; an older one that finishes later is dropped

// ---- small DOM helpers: children are nodes or strings (always text nodes) ----

function el(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(
      typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child,
    );
  }
  return node;
}

const name = (text) => el('code', { class: 'name' }, text);
const port = (number) => el('span', { class: 'port' }, String(number));
const plural = (n, one, many = one + 's') => `${n} ${n === 1 ? one : many}`;

function list(names) {
  const parts = [];
  names.forEach((n, i) => {
    if (i > 0) parts.push(i === names.length - 1 ? ' and ' : ', ');
    parts.push(name(n));
  });
  return parts;
}

// ---- the engine ----

function runPlan(text, busy) {
  try {
    const answer = engine.plan(text, { busy });
    if (answer && (answer.error || Array.isArray(answer.plan))) return answer;
    return { error: { kind: 'invalid_request', message: 'the engine gave an answer that is not a plan' } };
  } catch (e) {
    // The engine does not throw on any config; this only catches a broken page or build.
    return { error: { kind: e?.kind ?? 'engine', message: String(e?.message ?? e) } };
  }
}

/** The page alone: the wasm engine plans the text against the busy ports given. */
async function planInPage(text, busy) {
  return { answer: runPlan(text, busy), busy };
}

/** Project mode: the CLI plans the text read-only against the registry and probes the host;
 * the busy ports it answers include those it found. */
async function planByProject(text, busy) {
  try {
    const response = await fetch('api/plan', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text, busy }),
    });
    if (!response.ok) throw new Error(`${response.status} ${(await response.text()).trim()}`);
    return await response.json();
  } catch (e) {
    const message = `portplan preview (the command serving this page) did not answer: ${e.message}. Is it still running?`;
    return { answer: { error: { kind: 'host', message } }, busy };
  }
}

let planner = planInPage;

/** The project `portplan preview` serves this page for, or null (the page alone). */
async function fetchProject() {
  try {
    const response = await fetch('api/project', { cache: 'no-store' });
    return response.ok ? ((await response.json()).project ?? null) : null;
  } catch {
    return null; // a static server without the endpoint
  }
}

// ---- excluded ports (only for colouring the picture) ----

/** The plan answer's `exclude` (the config's, defaults applied by the core) as [a, b] pairs. */
function excludeOf(answer) {
  return (answer.exclude ?? []).map((item) => (Array.isArray(item) ? item : [item, item]));
}

// ---- reasons in words ----

const STATE_OF = {
  pinned: 'pinned',
  home: 'home',
  displaced: 'displaced',
  sequential: 'placed',
  block: 'placed',
  kept: 'placed',
};

function reasonWords(entry, inRange) {
  const r = entry.reason;
  switch (r.kind) {
    case 'home':
      return ['home'];
    case 'pinned':
      return inRange ? ['pinned'] : ['pinned ', el('span', { class: 'muted' }, '(outside the range)')];
    case 'sequential':
      return ['sequential: next free port'];
    case 'block':
      return ['block ', port(r.base), ` + ${r.offset}`];
    case 'kept':
      return ['kept: its lease'];
    case 'displaced': {
      const from = ['displaced from ', port(r.home), ' '];
      switch (r.by) {
        case 'service':
          return [...from, 'by ', name(r.service)];
        case 'pinned':
          return [...from, 'by the pin of ', name(r.service)];
        case 'lease':
          return [
            ...from,
            'by the lease of ',
            name(`${r.namespace}/${r.service}`),
            ...(r.root ? [' in ', el('code', { class: 'path' }, r.root)] : []),
          ];
        case 'busy':
          return [...from, 'by a busy port'];
        case 'excluded':
          return [...from, 'by an excluded port'];
        case 'unsafe':
          return [...from, 'by a port browsers refuse'];
        case 'range':
          return [...from, '(outside the range)'];
        default:
          return [...from, `by ${r.by}`];
      }
    }
    default:
      return [r.kind];
  }
}

// ---- errors in words ----

function errorWords(e) {
  switch (e.kind) {
    case 'duplicate_pin':
      if (Array.isArray(e.services))
        return ['Port ', port(e.port), ' is pinned by ', ...list(e.services), ': only one service can pin a port.'];
      break;
    case 'pin_busy':
      if (e.service !== undefined) return [name(e.service), ' pins port ', port(e.port), ', but that port is busy.'];
      break;
    case 'range_exhausted':
      if (Number.isInteger(e.needed) && Number.isInteger(e.free)) {
        const missing = e.needed - e.free;
        return missing > 0
          ? [
              `${plural(e.needed, 'service')} need a port but only ${e.free} ${e.free === 1 ? 'is' : 'are'} free: `,
              el('strong', {}, plural(missing, 'port') + ' missing'),
              '.',
            ]
          : [
              `${plural(e.needed, 'service')} need ${e.needed} ports next to each other and none of the blocks tried has them.`,
            ];
      }
      break;
  }
  return [];
}

function showError(e) {
  const box = $('error');
  const title = ERROR_TITLES[e.kind] ?? String(e.kind).replace(/_/g, ' ');
  const words = errorWords(e);
  box.replaceChildren(
    el('strong', { class: 'error-title' }, title),
    words.length ? el('p', { class: 'error-words' }, words) : null,
    el('p', { class: 'error-message' }, String(e.message ?? '')),
  );
  box.dataset.kind = e.kind;
  box.hidden = false;
}

// ---- the table ----

/** A service's URL as the page shows it: only what the core gives (`http://<host>:<port>`, the
 * host of DNS labels); anything else is left out. */
const URL_SHAPE = /^http:\/\/[a-z0-9.-]+:\d{1,5}$/;

function urlCell(url) {
  if (typeof url !== 'string' || !URL_SHAPE.test(url)) return el('td', { class: 'url-cell' }, '');
  return el('td', { class: 'url-cell' }, el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url));
}

function renderTable(answer, inRange) {
  // URLs come with a project's plan (`portplan preview`: they depend on the checkout's folder);
  // the page alone plans without a folder, so it has none to show.
  const urls = answer.urls && typeof answer.urls === 'object' ? answer.urls : null;
  $('plan').classList.toggle('with-urls', urls !== null);
  $('url-head').hidden = urls === null;
  const rows = answer.plan.map((entry) => {
    const st = STATE_OF[entry.reason.kind] ?? 'placed';
    const url = urls?.[entry.name];
    const row = el(
      'tr',
      {
        'data-service': entry.name,
        'data-port': entry.port,
        'data-reason': entry.reason.kind,
        'data-url': urls && typeof url === 'string' && URL_SHAPE.test(url) ? url : null,
        class: st,
      },
      el('th', { scope: 'row' }, el('i', { class: `sw ${st}` }), name(entry.name)),
      el('td', { class: 'port-cell' }, port(entry.port)),
      el('td', {}, reasonWords(entry, inRange(entry.port))),
      urls ? urlCell(url) : null,
    );
    row.addEventListener('mouseenter', () => highlight(entry.name, true));
    row.addEventListener('mouseleave', () => highlight(entry.name, false));
    return row;
  });
  if (rows.length === 0)
    rows.push(
      el('tr', { class: 'empty' }, el('td', { colspan: urls ? 4 : 3 }, 'No services yet: add some under [services].')),
    );
  $('plan').tBodies[0].replaceChildren(...rows);
}

function highlight(service, on) {
  for (const node of document.querySelectorAll('.picture [data-for]')) {
    if (node.getAttribute('data-for') === service) node.classList.toggle('hl', on);
  }
  for (const row of $('plan').tBodies[0].rows) {
    if (row.getAttribute('data-service') === service) row.classList.toggle('hl', on);
  }
}

// ---- the picture ----

function renderPicture(answer, exclude) {
  const [min, max] = answer.range;
  const size = max - min + 1;
  const inRange = (p) => p >= min && p <= max;

  // One state per port of the range: services win over busy, busy over excluded.
  const cells = new Map(); // port -> {state, service}
  const flags = new Uint8Array(size); // 1 excluded, 2 busy, 4 service
  for (const [a, b] of exclude ?? []) {
    for (let p = Math.max(a, min); p <= Math.min(b, max); p++) flags[p - min] |= 1;
  }
  for (const p of state.busy) if (inRange(p)) flags[p - min] |= 2;
  for (const entry of answer.plan) {
    if (!inRange(entry.port)) continue;
    flags[entry.port - min] |= 4;
    cells.set(entry.port, { state: STATE_OF[entry.reason.kind] ?? 'placed', service: entry.name });
  }
  const stateAt = (p) => {
    const f = flags[p - min];
    if (f & 4) return cells.get(p).state;
    if (f & 2) return 'busy';
    if (f & 1) return 'excluded';
    return 'free';
  };

  // Counts for the meter.
  const count = { service: 0, busy: 0, excluded: 0, free: 0 };
  for (const f of flags) count[f & 4 ? 'service' : f & 2 ? 'busy' : f & 1 ? 'excluded' : 'free']++;
  renderMeter(count, size);
  $('range-info').textContent = `${min}–${max} · ${plural(size, 'port')} · ${count.free} free`;

  // Rows to draw: all of them for a small range, else those holding something of interest.
  const rowOf = (p) => Math.floor((p - min) / COLS);
  const totalRows = Math.ceil(size / COLS);
  let rows;
  const zoomed = size > FULL_VIEW;
  if (!zoomed) {
    rows = [...Array(totalRows).keys()];
  } else {
    const wanted = new Set();
    for (const entry of answer.plan) {
      if (inRange(entry.port)) wanted.add(rowOf(entry.port));
      if (entry.reason.kind === 'displaced' && inRange(entry.reason.home)) wanted.add(rowOf(entry.reason.home));
    }
    for (const p of state.busy) if (inRange(p)) wanted.add(rowOf(p));
    if (wanted.size === 0) wanted.add(0);
    rows = [...wanted].sort((a, b) => a - b);
  }

  // Layout: rows of cells, with a gap line wherever rows are skipped.
  const width = CELL.label + COLS * (CELL.w + CELL.gap);
  const items = [];
  const rowY = new Map();
  let y = 0;
  const gap = (from, to) => {
    // Ports from..to (row indices) are not drawn.
    const first = min + from * COLS;
    const last = Math.min(max, min + to * COLS + COLS - 1);
    items.push(
      svg(
        'text',
        { x: width / 2, y: y + CELL.gapRow / 2 + 4, class: 'gap', 'text-anchor': 'middle' },
        `⋯ ${(last - first + 1).toLocaleString('en')} ports not shown (${first}–${last}) ⋯`,
      ),
    );
    y += CELL.gapRow;
  };
  rows.forEach((r, i) => {
    const previous = i === 0 ? -1 : rows[i - 1];
    if (r > previous + 1) gap(previous + 1, r - 1);
    rowY.set(r, y);
    y += CELL.h + CELL.gap;
  });
  if (rows[rows.length - 1] < totalRows - 1) gap(rows[rows.length - 1] + 1, totalRows - 1);

  const center = (p) => {
    const col = (p - min) % COLS;
    return [CELL.label + col * (CELL.w + CELL.gap) + CELL.w / 2, rowY.get(rowOf(p)) + CELL.h / 2];
  };

  const drawn = [];
  for (const r of rows) {
    const first = min + r * COLS;
    const ry = rowY.get(r);
    drawn.push(
      svg(
        'text',
        { x: CELL.label - 8, y: ry + CELL.h / 2 + 4, class: 'row-label', 'text-anchor': 'end' },
        String(first),
      ),
    );
    for (let p = first; p <= Math.min(max, first + COLS - 1); p++) {
      const st = stateAt(p);
      const service = cells.get(p)?.service;
      const x = CELL.label + ((p - min) % COLS) * (CELL.w + CELL.gap);
      const tip = service !== undefined ? `${p}: ${service} (${st})` : `${p}: ${st}`;
      const g = svg(
        'g',
        { class: `cell ${st}`, 'data-cell': p, 'data-state': st, 'data-for': service },
        svg('title', {}, `${tip} · click to ${st === 'busy' ? 'free' : 'mark busy'}`),
        svg('rect', { x, y: ry, width: CELL.w, height: CELL.h, rx: 4 }),
        svg(
          'text',
          { x: x + CELL.w - 3, y: ry + 10, class: 'digits', 'text-anchor': 'end' },
          String(p % 100).padStart(2, '0'),
        ),
        service !== undefined ? svg('text', { x: x + 4, y: ry + CELL.h - 7, class: 'label' }, short(service)) : null,
      );
      g.addEventListener('click', () => toggleBusy(p));
      if (service !== undefined) {
        g.addEventListener('mouseenter', () => highlight(service, true));
        g.addEventListener('mouseleave', () => highlight(service, false));
      }
      drawn.push(g);
    }
  }

  // Moves: a ring on each displaced service's home and an arrow from there to its port.
  const moves = [];
  for (const entry of answer.plan) {
    const r = entry.reason;
    if (r.kind !== 'displaced' || !inRange(r.home) || !inRange(entry.port)) continue;
    const [x1, y1] = center(r.home);
    const [x2, y2] = center(entry.port);
    const hx = x1 - CELL.w / 2 + 2;
    const hy = y1 - CELL.h / 2 + 2;
    moves.push(
      svg('rect', {
        x: hx,
        y: hy,
        width: CELL.w - 4,
        height: CELL.h - 4,
        rx: 3,
        class: 'home-ring',
        'data-for': entry.name,
      }),
    );
    const dx = x2 - x1;
    const dy = y2 - y1;
    const len = Math.hypot(dx, dy) || 1;
    const bend = Math.min(40, 12 + len / 6);
    // Bend to the left of the direction of travel (above the row for a move to the right).
    const cx = (x1 + x2) / 2 + (dy / len) * bend;
    const cy = (y1 + y2) / 2 - (dx / len) * bend;
    moves.push(
      svg(
        'path',
        {
          d: `M${x1},${y1} Q${cx},${cy} ${x2},${y2}`,
          class: 'move',
          'marker-end': 'url(#arrowhead)',
          'data-move': entry.name,
          'data-for': entry.name,
        },
        svg('title', {}, `${entry.name}: ${r.home} → ${entry.port}`),
      ),
    );
  }

  const defs = svg(
    'defs',
    {},
    svg(
      'marker',
      {
        id: 'arrowhead',
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto-start-reverse',
      },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }),
    ),
    svg(
      'pattern',
      { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svg('rect', { width: 6, height: 6, class: 'hatch-bg' }),
      svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'hatch-line' }),
    ),
  );
  const height = Math.max(y, CELL.h);
  const picture = svg(
    'svg',
    {
      viewBox: `0 -6 ${width} ${height + 6}`,
      width,
      height: height + 6,
      role: 'img',
      'aria-label': `ports ${min} to ${max}`,
      'data-zoomed': String(zoomed),
    },
    defs,
    ...items,
    ...drawn,
    ...moves,
  );
  $('picture').replaceChildren(...(zoomed ? [overview(answer, exclude, width)] : []), picture);

  const outside = answer.plan.filter((e) => !inRange(e.port));
  const note = $('outside');
  note.hidden = outside.length === 0;
  note.replaceChildren(
    ...(outside.length
      ? ['Outside the range: ', ...outside.flatMap((e, i) => [i ? ', ' : '', name(e.name), ' → ', port(e.port)])]
      : []),
  );
}

/** The whole of a large range as one bar: where the services, busy and excluded ports are. */
function overview(answer, exclude, width) {
  const [min, max] = answer.range;
  const left = CELL.label;
  const span = width - left - CELL.gap;
  const x = (p) => left + ((p - min) / Math.max(1, max - min)) * span;
  const marks = [];
  for (const [a, b] of exclude ?? []) {
    if (b < min || a > max) continue;
    const x1 = x(Math.max(a, min));
    marks.push(
      svg('rect', {
        x: x1 - 1,
        y: 4,
        width: Math.max(2, x(Math.min(b, max)) - x1 + 2),
        height: 16,
        class: 'tick excluded',
      }),
    );
  }
  for (const p of state.busy)
    if (p >= min && p <= max)
      marks.push(svg('rect', { x: x(p) - 1.5, y: 2, width: 3, height: 20, class: 'tick busy' }));
  for (const entry of answer.plan) {
    if (entry.port < min || entry.port > max) continue;
    marks.push(
      svg(
        'rect',
        {
          x: x(entry.port) - 1.5,
          y: 0,
          width: 3,
          height: 24,
          class: `tick ${STATE_OF[entry.reason.kind] ?? 'placed'}`,
          'data-for': entry.name,
        },
        svg('title', {}, `${entry.name}: ${entry.port}`),
      ),
    );
  }
  return svg(
    'svg',
    { viewBox: `0 0 ${width} 40`, width, height: 40, class: 'overview', 'aria-label': 'the whole range' },
    svg('text', { x: left - 8, y: 16, class: 'row-label', 'text-anchor': 'end' }, 'all'),
    svg('rect', { x: left, y: 4, width: span, height: 16, rx: 3, class: 'bar' }),
    ...marks,
    svg('text', { x: left, y: 36, class: 'row-label' }, String(min)),
    svg('text', { x: left + span, y: 36, class: 'row-label', 'text-anchor': 'end' }, String(max)),
  );
}

function short(text) {
  const chars = [...text];
  return chars.length <= 6 ? text : chars.slice(0, 5).join('') + '…';
}

function renderMeter(count, size) {
  const parts = [
    ['service', 'in use'],
    ['busy', 'busy'],
    ['excluded', 'excluded'],
    ['free', 'free'],
  ];
  $('meter').replaceChildren(
    ...parts
      .filter(([k]) => count[k] > 0)
      .map(([k, words]) =>
        el(
          'span',
          { class: `meter-part ${k}`, style: `flex-grow: ${count[k]}`, title: `${count[k]} ${words}` },
          count[k] / size > 0.08 ? `${count[k].toLocaleString('en')} ${words}` : '',
        ),
      ),
  );
}

// ---- the whole render ----

/** Plans the editor's text (or draws `view`, a plan already made) and draws it all;
 * `notice` is a line for the status box. */
async function render({ writeHash = true, view, notice } = {}) {
  const ticket = ++renders;
  const text = state.text;
  const isJson = text.trimStart().startsWith('{');
  $('format').textContent = isJson ? 'JSON' : 'TOML';
  const planned = view ?? (await planner(text, state.busy));
  if (ticket !== renders) return;
  const answer = planned.answer;
  state.busy = [...new Set(planned.busy)].sort((a, b) => a - b);
  $('status').textContent = notice ?? '';
  $('status').hidden = notice === undefined;
  const errorBox = $('error');
  if (answer.error) {
    showError(answer.error);
    $('url-head').hidden = true;
    $('plan').classList.remove('with-urls');
    $('plan').tBodies[0].replaceChildren(
      el('tr', { class: 'empty' }, el('td', { colspan: 3 }, 'No plan: fix the error above.')),
    );
    $('picture').replaceChildren(el('p', { class: 'hint' }, 'The range is drawn once the config has a plan.'));
    $('meter').replaceChildren();
    $('range-info').textContent = '';
    $('counts').textContent = '';
    $('outside').hidden = true;
    document.documentElement.dataset.status = 'error';
  } else {
    errorBox.hidden = true;
    errorBox.removeAttribute('data-kind');
    const [min, max] = answer.range;
    renderTable(answer, (p) => p >= min && p <= max);
    renderPicture(answer, excludeOf(answer));
    const by = {};
    for (const e of answer.plan) by[e.reason.kind] = (by[e.reason.kind] ?? 0) + 1;
    const detail = Object.entries(by)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    const ns = answer.namespace ? ` · namespace “${answer.namespace}”` : '';
    $('counts').textContent =
      `${plural(answer.plan.length, 'service')}${detail ? ` (${detail})` : ''} · ${answer.layout} layout, ${answer.hash}${ns}`;
    document.documentElement.dataset.status = 'ok';
  }
  renderBusy();
  if (writeHash) history.replaceState(null, '', '#' + hashOf());
  document.documentElement.dataset.revision = String(++revision);
}

// ---- busy ports ----

function renderBusy() {
  $('busy-list').replaceChildren(
    ...state.busy.map((p) =>
      el(
        'li',
        { 'data-busy': p },
        port(p),
        withClick(
          el(
            'button',
            { type: 'button', class: 'remove', title: `free port ${p}`, 'aria-label': `remove busy port ${p}` },
            '×',
          ),
          () => setBusy(state.busy.filter((q) => q !== p)),
        ),
      ),
    ),
  );
}

function withClick(node, handler) {
  node.addEventListener('click', handler);
  return node;
}

function setBusy(ports) {
  state.busy = [...new Set(ports)].sort((a, b) => a - b);
  render();
}

function toggleBusy(p) {
  setBusy(state.busy.includes(p) ? state.busy.filter((q) => q !== p) : [...state.busy, p]);
}

/** Ports from "40036, 40040 41000": a list, or an error sentence. */
function parsePorts(text) {
  const ports = [];
  for (const token of text.split(/[\s,;]+/).filter(Boolean)) {
    const p = /^\d{1,5}$/.test(token) ? Number(token) : NaN;
    if (!(p >= 1 && p <= 65535)) return { problem: `“${token}” is not a port (1–65535).` };
    ports.push(p);
  }
  return { ports };
}

// ---- sharing: #config=<base64url of the JSON> (or #text=<base64url of TOML text>) ----

function toBase64url(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(code) {
  if (!/^[A-Za-z0-9_-]*$/.test(code)) throw new Error('not base64url');
  const binary = atob(code.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (code.length % 4)) % 4));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

function hashOf() {
  let config;
  if (state.text.trimStart().startsWith('{')) {
    try {
      config = 'config=' + toBase64url(JSON.stringify(JSON.parse(state.text)));
    } catch {
      // JSON being typed: keep the text itself.
    }
  }
  config ??= 'text=' + toBase64url(state.text);
  return state.busy.length ? `${config}&busy=${state.busy.join(',')}` : config;
}

/** JSON with two-space indents, lists of numbers (`range`, `exclude`) on one line. */
function pretty(value, indent = '') {
  const flat = (v) => typeof v === 'number' || (Array.isArray(v) && v.every(flat));
  if (flat(value)) return JSON.stringify(value).replace(/,/g, ', ');
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    return value.length ? `[\n${value.map((v) => inner + pretty(v, inner)).join(',\n')}\n${indent}]` : '[]';
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length
      ? `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${pretty(value[k], inner)}`).join(',\n')}\n${indent}}`
      : '{}';
  }
  return JSON.stringify(value);
}

/** The config and busy ports of a location hash; null when it holds none. */
function readHash(hash) {
  const params = new Map(
    hash
      .replace(/^#/, '')
      .split('&')
      .filter(Boolean)
      .map((kv) => {
        const i = kv.indexOf('=');
        return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
      }),
  );
  if (!params.has('config') && !params.has('text')) return null;
  let text;
  try {
    text = params.has('config')
      ? pretty(JSON.parse(fromBase64url(params.get('config')))) + '\n'
      : fromBase64url(params.get('text'));
  } catch (e) {
    return {
      problem: `The link's ${params.has('config') ? '#config=' : '#text='} could not be read (${e.message}); showing the first example instead.`,
    };
  }
  const busy = parsePorts((params.get('busy') ?? '').replace(/,/g, ' '));
  return { text, busy: busy.ports ?? [] };
}

function load(text, busy, { view, notice } = {}) {
  state.text = text;
  state.busy = [...new Set(busy)].sort((a, b) => a - b);
  $('config').value = text;
  render({ view, notice });
}

// ---- project mode ----

/** The banner over the editor: which project, which config, and that nothing is written. */
function showProject(project) {
  const box = $('project');
  const config = project.config_file
    ? ['config ', el('code', { class: 'path', id: 'project-config' }, project.config_file)]
    : [el('span', { id: 'project-config' }, 'no portplan config found: the plan shows the leases of this project')];
  box.replaceChildren(
    el(
      'p',
      {},
      el('strong', {}, 'Project '),
      el('code', { class: 'path', id: 'project-root' }, project.root ?? '(not found)'),
      ' · ',
      ...config,
    ),
    el(
      'p',
      { class: 'hint' },
      'Plans come from portplan on this computer: the registry’s leases (kept) and the ports busy on the host. ' +
        'Read-only: edits here are never saved, and nothing is written to the registry.',
    ),
    withClick(el('button', { type: 'button', id: 'project-reload' }, 'Reload the project'), () => loadProject()),
  );
  box.hidden = false;
  document.documentElement.dataset.mode = 'project';
}

/** The project's config as the editor shows it: the file's text, or a manifest's portplan
 * section (package.json, pyproject.toml) as JSON. */
const projectText = (project) => project.config_text ?? `${pretty(project.config)}\n`;

function loadProjectView(project) {
  load(projectText(project), project.busy, { view: { answer: project.answer, busy: project.busy } });
}

async function loadProject() {
  const project = await fetchProject();
  if (!project) return;
  showProject(project);
  loadProjectView(project);
}

function loadFromHash() {
  const shared = readHash(location.hash);
  if (shared && !shared.problem) {
    load(shared.text, shared.busy);
    return true;
  }
  if (shared?.problem) {
    load(EXAMPLES[0].text, EXAMPLES[0].busy, { notice: shared.problem });
    return true;
  }
  return false;
}

// ---- start ----

async function start() {
  try {
    await (engine.init ?? engine.default)();
  } catch (e) {
    $('status').textContent =
      `The portplan engine (WebAssembly) could not be loaded: ${e?.message ?? e}. Serve this folder over HTTP (make preview) rather than opening the file.`;
    $('status').classList.add('bad');
    document.documentElement.dataset.status = 'no-engine';
    return;
  }

  const select = $('example');
  for (const [i, example] of EXAMPLES.entries()) select.append(el('option', { value: i }, example.label));
  select.addEventListener('change', () => {
    const example = EXAMPLES[Number(select.value)];
    if (example) load(example.text, example.busy);
    select.value = '';
  });

  $('config').addEventListener('input', (event) => {
    state.text = event.target.value;
    render();
  });

  $('busy-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('busy-input');
    const parsed = parsePorts(input.value);
    const problem = $('busy-problem');
    problem.hidden = !parsed.problem;
    problem.textContent = parsed.problem ?? '';
    if (parsed.problem) return;
    input.value = '';
    setBusy([...state.busy, ...parsed.ports]);
  });

  $('share').addEventListener('click', async () => {
    const button = $('share');
    try {
      await navigator.clipboard.writeText(location.href);
      button.textContent = 'Link copied';
    } catch {
      button.textContent = 'Copy the address bar';
    }
    setTimeout(() => (button.textContent = 'Copy link'), 1500);
  });

  window.addEventListener('hashchange', () => {
    if (location.hash.slice(1) !== hashOf()) loadFromHash();
  });

  const project = await fetchProject();
  if (project) {
    planner = planByProject;
    showProject(project);
    // A link of an edited config (#text=, #config=) opens as shared; else the project itself.
    if (!loadFromHash()) loadProjectView(project);
  } else if (!loadFromHash()) {
    load(EXAMPLES[0].text, EXAMPLES[0].busy);
  }
}

start();
