// tcb emulator console. Plain JavaScript, no build step: everything the page
// shows comes from /_emulator/ui/api/ with the per-start token of the page.
'use strict';

const TOKEN = document.querySelector('meta[name="tcb-console-token"]').content;
const T0 = performance.now();
window.__tcb = { timings: {}, ready: {} };

// ---------- small DOM helpers (text only: never innerHTML with data) ----------
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'value') el.value = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, v);
    }
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : String(kid));
  }
  return el;
}
const $ = (sel, root = document) => root.querySelector(sel);
function clear(el) { while (el.firstChild) el.firstChild.remove(); return el; }
function fmtNum(n) { return (n ?? 0).toLocaleString('en-US'); }
function fmtTime(t) {
  const d = new Date(t);
  if (isNaN(d)) return String(t || '');
  return d.toLocaleTimeString('en-GB', { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}
function fmtDate(t) { const d = new Date(t); return isNaN(d) ? '' : d.toLocaleString('en-GB', { hour12: false }); }
function pretty(v) { try { return JSON.stringify(v, null, 2); } catch { return String(v); } }
function compact(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
function badgeFor(status) {
  const s = String(status || '');
  if (/^(NORMAL|Active|success|ok)$/i.test(s)) return h('span', { class: 'badge ok' }, s);
  if (/fail|error|isolated/i.test(s)) return h('span', { class: 'badge err' }, s);
  return h('span', { class: 'badge warn' }, s);
}

// ---------- API ----------
class APIError extends Error {}
async function api(method, path, body, raw) {
  const init = { method, headers: { 'X-TCB-Console-Token': TOKEN }, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    if (raw) { init.body = body; init.headers['Content-Type'] = 'application/octet-stream'; }
    else { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
  }
  const resp = await fetch('api/' + path, init);
  let data = null;
  const text = await resp.text();
  try { data = text ? JSON.parse(text) : null; } catch { data = { error: text }; }
  if (!resp.ok) {
    const e = new APIError((data && data.error) || ('HTTP ' + resp.status));
    e.data = data; e.status = resp.status;
    throw e;
  }
  return data;
}
const enc = encodeURIComponent;

function toast(msg, isErr) {
  const t = h('div', { class: 'toast' + (isErr ? ' err' : ''), role: 'status' }, msg);
  $('#toasts').append(t);
  setTimeout(() => t.remove(), isErr ? 7000 : 3500);
}

// ---------- dialogs ----------
let dialogStack = [];
function modal(title, body, buttons) {
  return new Promise((resolve) => {
    const close = (v) => { bg.remove(); dialogStack = dialogStack.filter((d) => d !== close); resolve(v); };
    const foot = h('footer', null, buttons.map((b) => h('button', {
      type: 'button', class: b.class || '', id: b.id,
      onclick: async () => {
        if (b.run) {
          try { const v = await b.run(); if (v === false) return; close(v === undefined ? b.value : v); }
          catch (e) { showErr(body, e); }
        } else close(b.value);
      },
    }, b.label)));
    const box = h('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': title }, h('header', null, title), body, foot);
    const bg = h('div', { class: 'modal-bg', onclick: (e) => { if (e.target === bg) close(undefined); } }, box);
    $('#dialog-root').append(bg);
    dialogStack.push(close);
    const first = box.querySelector('textarea, input, select') || foot.querySelector('.primary') || foot.lastChild;
    if (first) first.focus();
    box.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { const p = foot.querySelector('.primary'); if (p) { e.preventDefault(); p.click(); } }
    });
  });
}
function showErr(container, e) {
  let el = container.querySelector(':scope > .error-text');
  if (!el) { el = h('div', { class: 'error-text' }); container.append(el); }
  el.textContent = e.message || String(e);
}
function confirmDialog(title, text, danger) {
  return modal(title, h('div', { class: 'body' }, h('p', null, text)), [
    { label: 'Cancel 取消', value: false },
    { label: danger || 'Confirm 确认', value: true, class: 'primary danger', id: 'confirm-yes' },
  ]);
}

// ---------- virtualised list ----------
// Only the rows in view (plus a margin) exist in the DOM, so 10k or 100k
// lines cost the same to scroll; new items append without re-rendering
// when the list follows its end.
class VList {
  constructor(opts) {
    this.rowH = opts.rowH || 22;
    this.render = opts.render;
    this.onPick = opts.onPick;
    this.items = [];
    this.follow = opts.follow !== false;
    this.el = h('div', { class: 'vlist' + (opts.cls ? ' ' + opts.cls : ''), tabindex: '0', id: opts.id });
    this.spacer = h('div', { class: 'spacer-y' });
    this.el.append(this.spacer);
    this.pool = new Map();
    this.sel = -1;
    this.frame = 0;
    this.el.addEventListener('scroll', () => {
      const atEnd = this.el.scrollTop + this.el.clientHeight >= this.el.scrollHeight - this.rowH * 1.5;
      this.follow = atEnd;
      this.schedule();
    });
    this.el.addEventListener('click', (e) => {
      const row = e.target.closest('.vrow');
      if (row && this.onPick) { this.select(+row.dataset.i); }
    });
    this.el.addEventListener('keydown', (e) => {
      if (!this.onPick) return;
      if (e.key === 'ArrowDown' || e.key === 'j') { e.preventDefault(); this.select(Math.min(this.items.length - 1, this.sel + 1)); }
      else if (e.key === 'ArrowUp' || e.key === 'k') { e.preventDefault(); this.select(Math.max(0, this.sel - 1)); }
      else if (e.key === 'Enter' && this.sel >= 0) { this.onPick(this.items[this.sel], true); }
    });
    new ResizeObserver(() => this.schedule()).observe(this.el);
  }
  select(i) {
    if (i < 0 || i >= this.items.length) return;
    this.sel = i;
    const top = i * this.rowH;
    if (top < this.el.scrollTop) this.el.scrollTop = top;
    else if (top + this.rowH > this.el.scrollTop + this.el.clientHeight) this.el.scrollTop = top + this.rowH - this.el.clientHeight;
    this.paint(true);
    this.onPick(this.items[i], false);
  }
  setItems(items) { this.items = items; this.pool.forEach((r) => r.remove()); this.pool.clear(); this.schedule(); }
  append(n) { if (n > 0) this.schedule(); }
  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.paint(false); });
  }
  paint(force) {
    const n = this.items.length;
    this.spacer.style.height = (n * this.rowH) + 'px';
    if (this.follow) this.el.scrollTop = this.el.scrollHeight;
    const top = this.el.scrollTop, height = this.el.clientHeight || 400;
    const from = Math.max(0, Math.floor(top / this.rowH) - 10);
    const to = Math.min(n, Math.ceil((top + height) / this.rowH) + 10);
    for (const [i, row] of this.pool) {
      if (i < from || i >= to) { row.remove(); this.pool.delete(i); }
    }
    for (let i = from; i < to; i++) {
      let row = this.pool.get(i);
      if (row && !force) continue;
      const fresh = this.render(this.items[i], i);
      fresh.classList.add('vrow');
      if (i === this.sel) fresh.classList.add('sel');
      fresh.dataset.i = i;
      fresh.style.top = (i * this.rowH) + 'px';
      if (row) row.replaceWith(fresh); else this.el.append(fresh);
      this.pool.set(i, fresh);
    }
  }
}

// ---------- live events (fetch-based SSE, so the token header is sent) ----------
const live = {
  seq: 0,
  handlers: { request: new Set(), log: new Set(), gap: new Set() },
  on(type, fn) { this.handlers[type].add(fn); return () => this.handlers[type].delete(fn); },
  emit(type, data) { for (const fn of this.handlers[type]) { try { fn(data); } catch (e) { console.error(e); } } },
  async run() {
    let backoff = 500;
    for (;;) {
      try {
        const resp = await fetch('api/events?since=' + this.seq, { headers: { 'X-TCB-Console-Token': TOKEN }, cache: 'no-store' });
        if (!resp.ok || !resp.body) throw new Error('HTTP ' + resp.status);
        setLive(true);
        backoff = 500;
        const reader = resp.body.getReader();
        const dec = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i); buf = buf.slice(i + 2);
            this.dispatch(block);
          }
        }
      } catch (e) { /* reconnect below */ }
      setLive(false);
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 8000);
    }
  },
  dispatch(block) {
    let type = 'message', id = null, data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const c = line.indexOf(':');
      const k = c < 0 ? line : line.slice(0, c);
      const v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
      if (k === 'event') type = v; else if (k === 'id') id = v; else if (k === 'data') data += v;
    }
    if (id !== null) this.seq = Math.max(this.seq, +id);
    let parsed = null;
    try { parsed = data ? JSON.parse(data) : null; } catch { return; }
    if (type === 'hello') { if (parsed && this.seq === 0) this.seq = parsed.seq; return; }
    if (this.handlers[type]) this.emit(type, parsed);
  },
};
function setLive(on) {
  const el = $('#live');
  el.classList.toggle('on', on); el.classList.toggle('off', !on);
  $('#live-text').textContent = on ? 'live 实时' : 'reconnecting…';
}

// Stores fed by the stream: bounded, newest last.
const MAX_LOG_LINES = 100000, MAX_REQUESTS = 5000;
const store = {
  requests: [],
  logs: [], // one entry per line: {t, env, fn, rid, level, text, head}
  logRids: new Set(),
  addRequest(r) { this.requests.push(r); if (this.requests.length > MAX_REQUESTS) this.requests.splice(0, this.requests.length - MAX_REQUESTS); },
  addLog(l) {
    if (this.logRids.has(l.request_id)) return 0;
    this.logRids.add(l.request_id);
    const before = this.logs.length;
    const t = typeof l.start === 'number' ? l.start : Date.parse(l.start);
    const head = `${l.function} ${l.request_id} ${l.level} ${l.status} ${(+l.duration_ms || 0).toFixed(1)}ms ${l.source || ''}`;
    this.logs.push({ t, env: l.env, fn: l.function, rid: l.request_id, level: l.level, text: '── ' + head, head: true });
    const lines = (l.text || '').replace(/\n$/, '').split('\n');
    for (const line of lines) {
      if (line === '') continue;
      const lvl = l.level === 'ERROR' || /\bERROR\b|\berror\b|Error:/.test(line) ? 'ERROR' : /\bWARN/.test(line) ? 'WARN' : l.level;
      this.logs.push({ t, env: l.env, fn: l.function, rid: l.request_id, level: lvl, text: line });
    }
    if (this.logs.length > MAX_LOG_LINES) this.logs.splice(0, this.logs.length - MAX_LOG_LINES);
    return this.logs.length - before;
  },
};
live.on('request', (r) => store.addRequest(r));
// The page fell further behind than the server's rings hold (a sleeping
// laptop, a flood of requests): reload what it shows.
live.on('gap', () => { store.requestsLoaded = false; store.requests = []; toast('Some live events were missed; reloading the view'); route(); });
live.on('log', (l) => store.addLog(l));

// ---------- app state, env picker, router ----------
const state = { env: localStorage.getItem('tcb.env') || '', envs: [], route: 'overview', args: [], cleanup: [] };

function setEnvs(envs) {
  state.envs = envs;
  const sel = $('#env-select');
  const ids = envs.map((e) => e.env_id);
  if (!ids.includes(state.env)) state.env = ids[0] || '';
  const cur = Array.from(sel.options).map((o) => o.value).join(',');
  if (cur !== ids.join(',')) {
    clear(sel);
    for (const e of envs) sel.append(h('option', { value: e.env_id }, e.alias ? `${e.env_id} · ${e.alias}` : e.env_id));
    if (!envs.length) sel.append(h('option', { value: '' }, '(no environment)'));
  }
  sel.value = state.env;
}
let preloaded = null;
async function loadEnvs() {
  if (preloaded) { const o = preloaded; preloaded = null; return o; }
  const o = await api('GET', 'overview');
  setEnvs(o.envs || []);
  $('#nav-storage').hidden = !o.storage;
  return o;
}

const views = {};
const titles = { overview: 'Overview 概览', functions: 'Functions 云函数', database: 'Database 数据库', storage: 'Storage 存储', wechat: 'WeChat 微信', requests: 'Requests 请求' };

function go(path) { if (location.hash !== '#/' + path) location.hash = '#/' + path; else route(); }
async function route() {
  const parts = (location.hash.replace(/^#\/?/, '') || 'overview').split('/').map(decodeURIComponent);
  const name = views[parts[0]] ? parts[0] : 'overview';
  if (name !== 'overview') preloaded = null; // only the first overview uses the start-up answer
  for (const fn of state.cleanup) fn();
  state.cleanup = [];
  for (const close of dialogStack.slice().reverse()) close(undefined); // dialogs and the request panel belong to the page left
  state.route = name; state.args = parts.slice(1);
  document.querySelectorAll('.nav a').forEach((a) => a.classList.toggle('active', a.dataset.route === name));
  $('#title').textContent = titles[name];
  document.title = titles[name] + ' · tcb emulator';
  const view = clear($('#view'));
  view.className = '';
  try { await views[name](view, state.args); }
  catch (e) { view.append(h('div', { class: 'panel' }, h('div', { class: 'pb error-text' }, e.message))); }
}
function onCleanup(fn) { state.cleanup.push(fn); }
function needEnv(view) {
  if (state.env) return false;
  view.append(h('div', { class: 'panel' }, h('div', { class: 'empty' }, 'No environment yet. Create one on the overview page or with ', h('code', null, 'tcb env create NAME'), '.')));
  return true;
}

// ---------- Overview ----------
views.overview = async (view) => {
  const t = performance.now();
  const o = await loadEnvs();
  window.__tcb.timings.overviewFetch = performance.now() - t;
  const c = o.counts || {};
  const card = (k, zh, v, id) => h('div', { class: 'card', id }, h('div', { class: 'k' }, k, ' ', h('span', { class: 'muted' }, zh)), h('div', { class: 'v' }, v));
  view.append(h('div', { class: 'grid cards' },
    card('Environments', '环境', fmtNum(c.envs), 'count-envs'),
    card('Functions', '云函数', fmtNum(c.functions), 'count-functions'),
    card('Collections', '集合', fmtNum(c.collections), 'count-collections'),
    card('Documents', '文档', fmtNum(c.documents), 'count-documents'),
    card('Files', '文件', o.storage ? fmtNum(c.files) : '—', 'count-files'),
    card('Valid tokens', '令牌', fmtNum(c.tokens), 'count-tokens'),
  ));
  const unimpl = o.unimplemented || [];
  if (unimpl.length) {
    view.append(h('div', { class: 'panel warn', id: 'unimplemented' },
      h('h2', null, h('span', null, `⚠ Calls nothing answers 未实现的调用 (${unimpl.length})`), h('span', { class: 'small' }, 'your code needs these; the emulator lacks them')),
      h('div', { class: 'table-wrap' }, h('table', null,
        h('thead', null, h('tr', null, h('th', null, 'Kind'), h('th', null, 'Name'), h('th', { class: 'num' }, 'Count'), h('th', null, 'Caller'), h('th', null, 'Last'))),
        h('tbody', null, unimpl.map((u) => h('tr', null, h('td', null, h('span', { class: 'badge warn' }, u.kind)), h('td', { class: 'mono' }, u.name),
          h('td', { class: 'num' }, fmtNum(u.count)), h('td', { class: 'small muted' }, u.user_agent || ''), h('td', { class: 'small' }, fmtDate(u.last)))))))));
  }
  const envTable = h('table', { id: 'env-table' },
    h('thead', null, h('tr', null, ['Env ID', 'Alias 别名', 'Status 状态'].map((x) => h('th', null, x)),
      ['Functions', 'Collections', 'Documents', 'Files'].map((x) => h('th', { class: 'num' }, x)))),
    h('tbody', null, (o.envs || []).map((e) => h('tr', { dataset: { env: e.env_id } },
      h('td', { class: 'mono' }, h('a', { href: '#/functions', onclick: () => pickEnv(e.env_id) }, e.env_id)), h('td', null, e.alias), h('td', null, badgeFor(e.status)),
      h('td', { class: 'num' }, fmtNum(e.functions)), h('td', { class: 'num' }, fmtNum(e.collections)), h('td', { class: 'num' }, fmtNum(e.documents)),
      h('td', { class: 'num' }, o.storage ? fmtNum(e.files) : '—')))));
  const alias = h('input', { type: 'text', placeholder: 'alias 别名', id: 'new-env-alias', 'aria-label': 'New environment alias' });
  view.append(h('div', { class: 'panel' },
    h('div', { class: 'ph' }, h('span', null, 'Environments 环境'), h('form', { class: 'row', onsubmit: async (e) => {
      e.preventDefault();
      try { const r = await api('POST', 'envs', { alias: alias.value }); toast('Created ' + r.env_id); alias.value = ''; route(); }
      catch (err) { toast(err.message, true); }
    } }, alias, h('button', { type: 'submit', class: 'small' }, '+ Create env'))),
    (o.envs || []).length ? h('div', { class: 'table-wrap' }, envTable) : h('div', { class: 'empty' }, 'No environment yet: ', h('code', null, 'tcb env create NAME'), ' or the form above.')));
  const recent = o.recent || [];
  view.append(h('div', { class: 'panel' }, h('h2', null, h('span', null, 'Last API calls 最近调用'), h('a', { href: '#/requests', class: 'small' }, 'all requests →')),
    recent.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'recent-table' },
      h('thead', null, h('tr', null, h('th', null, 'Time'), h('th', null, 'Call'), h('th', null, 'Caller'), h('th', null, 'Result'), h('th', { class: 'num' }, 'ms'))),
      h('tbody', null, recent.slice().reverse().map((r) => h('tr', { onclick: () => go('requests/' + r.seq) },
        h('td', { class: 'mono small' }, fmtTime(r.time)), h('td', { class: 'mono' }, r.name), h('td', { class: 'small muted' }, r.caller || r.user_agent || ''),
        h('td', null, r.code ? h('span', { class: 'badge err' }, r.code) : h('span', { class: 'badge ok' }, 'OK')), h('td', { class: 'num' }, r.ms.toFixed(1)))))))
      : h('div', { class: 'empty' }, 'No API call yet.')));
  view.append(h('p', { class: 'small muted', id: 'overview-foot' }, `Endpoint ${o.endpoint} · data ${o.data_dir} · node ${o.node || '—'} · ${fmtNum(o.invocations)} invocations · ${o.faults} pending faults`));
  const ms = performance.now() - t;
  window.__tcb.timings.overview = ms;
  if (!window.__tcb.timings.firstOverview) {
    window.__tcb.timings.firstOverview = performance.now() - T0;
    window.__tcb.timings.overviewShownAt = performance.now(); // since navigation
  }
  $('#overview-foot').append(` · loaded in ${ms.toFixed(0)} ms`);
  window.__tcb.ready.overview = true;
  // Refresh when someone else changes something (debounced).
  let timer = 0;
  onCleanup(live.on('request', (r) => {
    if (r.console) return;
    clearTimeout(timer);
    timer = setTimeout(() => { if (state.route === 'overview' && !document.querySelector('.modal-bg')) route(); }, 600);
  }));
  onCleanup(() => clearTimeout(timer));
};
function pickEnv(id) { state.env = id; localStorage.setItem('tcb.env', id); $('#env-select').value = id; }

// ---------- Logs panel (shared) ----------
function logsPanel(opts) {
  const ridIn = h('input', { type: 'search', placeholder: 'request id', id: 'log-rid', 'data-filter': '', 'aria-label': 'Filter by request id' });
  const lvl = h('select', { id: 'log-level', 'aria-label': 'Level' }, h('option', { value: '' }, 'all levels'), h('option', { value: 'INFO' }, 'INFO'), h('option', { value: 'WARN' }, 'WARN'), h('option', { value: 'ERROR' }, 'ERROR'));
  const text = h('input', { type: 'search', placeholder: 'text 文本', id: 'log-text', 'aria-label': 'Filter by text' });
  const count = h('span', { class: 'small muted', id: 'log-count' });
  const list = new VList({
    id: 'log-list',
    render: (l) => h('div', { class: (l.level === 'ERROR' ? 'err' : '') + (l.head ? ' head' : '') }, h('span', { class: 't' }, fmtTime(l.t) + ' '), opts.fn ? '' : h('span', { class: 'fn' }, l.fn + ' '), l.text),
  });
  let filtered = [];
  const matches = (l) => (l.env === state.env) && (!opts.fn || l.fn === opts.fn) && (!ridIn.value || l.rid.includes(ridIn.value.trim())) &&
      (!lvl.value || l.level === lvl.value) && (!text.value || l.text.includes(text.value));
  const refilter = () => {
    const t = performance.now();
    filtered = store.logs.filter(matches);
    list.setItems(filtered);
    count.textContent = `${fmtNum(filtered.length)} lines`;
    window.__tcb.timings.logFilter = performance.now() - t;
  };
  for (const el of [ridIn, lvl, text]) el.addEventListener('input', refilter);
  onCleanup(live.on('log', () => {
    const start = filtered.length ? store.logs.lastIndexOf(filtered[filtered.length - 1]) + 1 : 0;
    let added = 0;
    for (let i = Math.max(0, start); i < store.logs.length; i++) if (matches(store.logs[i])) { filtered.push(store.logs[i]); added++; }
    if (added) { list.append(added); count.textContent = `${fmtNum(filtered.length)} lines`; }
  }));
  const follow = h('button', { type: 'button', class: 'small', onclick: () => { list.follow = true; list.schedule(); } }, 'follow ↓');
  const panel = h('div', { class: 'panel fill-col', id: 'logs-panel' },
    h('div', { class: 'ph' }, h('span', null, 'Live logs 实时日志 ', h('span', { class: 'badge info' }, 'live')),
      h('div', { class: 'row' }, ridIn, lvl, text, count, follow)),
    h('div', { class: 'pb fill-col', style: null }, list.el));
  list.el.style.height = opts.height || '360px';
  // History first (stored logs), then the live delta continues it.
  api('GET', `envs/${enc(state.env)}/logs?limit=500` + (opts.fn ? '&function=' + enc(opts.fn) : '')).then((r) => {
    for (const l of r.logs) store.addLog({ env: l.env, function: l.function, request_id: l.request_id, start: l.start.replace(' ', 'T') + '+08:00',
      level: l.level, status: l.status, duration_ms: l.duration_ms, source: l.source, text: l.text });
    // Stable: the lines of one invocation keep their order.
    store.logs.sort((a, b) => a.t - b.t);
    refilter();
    window.__tcb.ready.logs = true;
  }).catch((e) => toast(e.message, true));
  refilter();
  return panel;
}

// ---------- Functions ----------
views.functions = async (view, args) => {
  if (needEnv(view)) return;
  const r = await api('GET', `envs/${enc(state.env)}/functions`);
  const fns = r.functions || [];
  const name = args[0] || (fns[0] && fns[0].FunctionName);
  const filter = h('input', { type: 'search', placeholder: 'filter 过滤  /', 'data-filter': '', 'aria-label': 'Filter functions' });
  const listEl = h('div', { class: 'list', id: 'fn-list' });
  const paint = () => {
    clear(listEl);
    for (const f of fns.filter((f) => f.FunctionName.includes(filter.value))) {
      listEl.append(h('button', { type: 'button', class: f.FunctionName === name ? 'sel' : '', dataset: { fn: f.FunctionName }, onclick: () => go('functions/' + enc(f.FunctionName)) },
        h('span', null, f.FunctionName), h('span', { class: 'n' }, f.Status)));
    }
  };
  filter.addEventListener('input', paint);
  paint();
  const main = h('div', { class: 'fill-col', id: 'fn-main' });
  view.append(h('div', { class: 'split' }, h('div', { class: 'panel' }, h('div', { class: 'ph' }, `Functions (${fns.length})`), h('div', { class: 'pb' }, filter, h('div', { style: null }, listEl))), main));
  if (!name) { main.append(h('div', { class: 'panel' }, h('div', { class: 'empty' }, 'No function in ', state.env, ' yet: ', h('code', null, 'tcb fn deploy')))); return; }
  const d = await api('GET', `envs/${enc(state.env)}/functions/${enc(name)}`);
  const f = d.function;
  const tabs = ['Invoke 调用', 'Detail 详情', 'Code 代码', 'Logs 日志'];
  const tab = args[1] || 'invoke';
  const tabKeys = ['invoke', 'detail', 'code', 'logs'];
  main.append(h('div', { class: 'panel' }, h('div', { class: 'ph' }, h('span', null, h('span', { class: 'mono' }, f.FunctionName), ' ', badgeFor(f.Status)), h('span', { class: 'small muted' }, `${f.Runtime} · ${f.Handler} · ${f.Timeout}s · ${f.MemorySize} MB`)),
    h('div', { class: 'pb' }, h('div', { class: 'tabs', role: 'tablist' }, tabs.map((t, i) => h('button', { type: 'button', role: 'tab', class: tabKeys[i] === tab ? 'sel' : '', id: 'fn-tab-' + tabKeys[i],
      onclick: () => go(`functions/${enc(name)}/${tabKeys[i]}`) }, t))), h('div', { id: 'fn-tab' }))));
  const body = $('#fn-tab', main);
  if (tab === 'detail') {
    body.append(h('dl', { class: 'kv' }, [['Status', f.StatusDesc || f.Status], ['Runtime', f.Runtime], ['Handler', f.Handler], ['Timeout', f.Timeout + ' s'], ['Memory', f.MemorySize + ' MB'],
      ['Install dependencies', f.InstallDependency], ['Modified', f.ModTime], ['Code size', fmtNum(f.CodeSize) + ' bytes'], ['Code SHA-256', d.code_sha256 || ''], ['Description', f.Description || '']]
      .map(([k, v]) => [h('dt', null, k), h('dd', null, v)])));
    body.append(h('h3', null, 'Environment variables 环境变量'), d.variables.length ? h('table', null, h('tbody', null, d.variables.map((v) =>
      h('tr', null, h('td', { class: 'mono' }, v.key), h('td', { class: 'mono' }, v.hidden ? h('span', { class: 'muted', title: 'hidden: the name looks secret' }, '•••• hidden') : v.value)))))
      : h('p', { class: 'muted' }, 'none'));
    body.append(h('h3', null, 'Triggers 触发器'), (d.triggers || []).length ? h('table', null, h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Type'), h('th', null, 'Config'), h('th', null, 'Enabled'))),
      h('tbody', null, d.triggers.map((t) => h('tr', null, h('td', null, t.TriggerName), h('td', null, t.Type), h('td', { class: 'mono' }, t.TriggerDesc), h('td', null, String(t.Enable)))))) : h('p', { class: 'muted' }, 'none'));
  } else if (tab === 'code') {
    const viewer = h('pre', { class: 'json code-view', id: 'code-view' }, 'Pick a file 选择文件');
    const tree = h('div', { class: 'list code-tree', id: 'code-tree' });
    for (const file of d.files || []) {
      tree.append(h('button', { type: 'button', dataset: { path: file.path }, onclick: async (e) => {
        tree.querySelectorAll('.sel').forEach((b) => b.classList.remove('sel'));
        e.currentTarget.classList.add('sel');
        try {
          const c = await api('GET', `envs/${enc(state.env)}/functions/${enc(name)}/code?path=${enc(file.path)}`);
          viewer.textContent = c.binary ? `(binary file, ${fmtNum(c.size)} bytes)` : c.text + (c.truncated ? '\n… (truncated)' : '');
        } catch (err) { viewer.textContent = err.message; }
      } }, h('span', { class: 'mono' }, file.path), h('span', { class: 'n' }, fmtNum(file.size))));
    }
    body.append(d.code_error ? h('p', { class: 'error-text' }, d.code_error) : h('div', { class: 'split' }, tree, viewer), h('p', { class: 'small muted' }, 'Read-only: deploy changes with tcb fn deploy.'));
    const first = tree.querySelector('button[data-path="index.js"]') || tree.querySelector('button');
    if (first) first.click();
  } else if (tab === 'logs') {
    body.append(logsPanel({ fn: null, height: 'calc(100vh - 300px)' }));
  } else {
    const saved = localStorage.getItem('tcb.event.' + name) || '{\n  \n}';
    const ev = h('textarea', { class: 'code', id: 'invoke-event', spellcheck: 'false', 'aria-label': 'Event JSON' });
    ev.value = saved;
    const openid = h('input', { type: 'text', id: 'invoke-openid', class: 'mono', placeholder: 'OPENID (optional: invoke as a mini-program user)', size: 36 });
    const out = h('pre', { class: 'out', id: 'invoke-result' }, 'Ctrl+Enter to invoke');
    const btn = h('button', { type: 'button', class: 'primary', id: 'invoke-btn' }, '▶ Invoke 调用');
    const run = async () => {
      let event;
      try { event = JSON.parse(ev.value || '{}'); } catch (e) { out.textContent = 'The event is not JSON: ' + e.message; return; }
      localStorage.setItem('tcb.event.' + name, ev.value);
      btn.disabled = true; out.textContent = 'running…';
      try {
        const res = await api('POST', `envs/${enc(state.env)}/functions/${enc(name)}/invoke`, { event, openid: openid.value.trim() });
        const r2 = res.result;
        let ret = r2.RetMsg;
        try { ret = pretty(JSON.parse(r2.RetMsg)); } catch { /* not JSON */ }
        out.textContent = `${r2.InvokeResult === 0 ? '✓' : '✗'} ${r2.FunctionRequestId}  ${r2.Duration} ms  ${r2.MemUsage ? (r2.MemUsage / 1048576).toFixed(1) + ' MB' : ''}\n\n` +
          (r2.InvokeResult === 0 ? ret : (r2.ErrMsg || ret));
        out.classList.toggle('error-text', r2.InvokeResult !== 0);
      } catch (e) { out.textContent = e.message; out.classList.add('error-text'); }
      btn.disabled = false;
    };
    btn.addEventListener('click', run);
    ev.addEventListener('keydown', (e) => { if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); run(); } });
    body.append(h('div', { class: 'split2' },
      h('div', { class: 'fill-col' }, h('label', { class: 'small muted', for: 'invoke-event' }, 'Event 事件 (JSON)'), ev, h('div', { class: 'row' }, openid, h('span', { class: 'spacer' }), btn)),
      h('div', { class: 'fill-col' }, h('span', { class: 'small muted' }, 'Result 返回'), out)));
    main.append(logsPanel({ fn: name, height: '320px' }));
  }
};

// ---------- Database ----------
views.database = async (view, args) => {
  if (needEnv(view)) return;
  const r = await api('GET', `envs/${enc(state.env)}/collections`);
  const colls = r.collections || [];
  const name = args[0] || (colls[0] && colls[0].name);
  const listEl = h('div', { class: 'list', id: 'coll-list' }, colls.map((c) => h('button', { type: 'button', class: c.name === name ? 'sel' : '', dataset: { coll: c.name },
    onclick: () => go('database/' + enc(c.name)) }, h('span', null, c.name), h('span', { class: 'n' }, fmtNum(c.count)))));
  const newColl = async () => {
    const inp = h('input', { type: 'text', id: 'new-coll-name', placeholder: 'name' });
    const ok = await modal('New collection 新建集合', h('div', { class: 'body' }, inp), [{ label: 'Cancel', value: false },
      { label: 'Create', class: 'primary', run: () => api('POST', `envs/${enc(state.env)}/collections`, { name: inp.value }).then(() => true) }]);
    if (ok) go('database/' + enc(inp.value));
  };
  const main = h('div', { class: 'fill-col', id: 'db-main' });
  view.append(h('div', { class: 'split' }, h('div', { class: 'panel' }, h('div', { class: 'ph' }, `Collections (${colls.length})`, h('button', { type: 'button', class: 'small', onclick: newColl }, '+')), h('div', { class: 'pb' }, listEl)), main));
  if (!name) { main.append(h('div', { class: 'panel' }, h('div', { class: 'empty' }, 'No collection yet.'))); return; }
  const coll = colls.find((c) => c.name === name) || { name, count: 0, index_count: 0 };
  const tab = args[1] || 'docs';
  const tabKeys = ['docs', 'query', 'indexes'];
  const exportBtn = h('button', { type: 'button', class: 'small', id: 'export-btn', onclick: async () => {
    const resp = await fetch(`api/envs/${enc(state.env)}/collections/${enc(name)}/export`, { headers: { 'X-TCB-Console-Token': TOKEN } });
    if (!resp.ok) { toast('export: HTTP ' + resp.status, true); return; }
    const url = URL.createObjectURL(await resp.blob());
    const a = h('a', { href: url, download: name + '.jsonl' }); document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 5000);
  } }, '⇩ Export');
  const importBtn = h('button', { type: 'button', class: 'small', id: 'import-btn', onclick: () => importDialog(name) }, '⇧ Import');
  const dropBtn = h('button', { type: 'button', class: 'small danger', onclick: async () => {
    if (!await confirmDialog('Drop collection 删除集合', `Delete the collection ${name} and its ${fmtNum(coll.count)} documents? This cannot be undone.`, 'Delete 删除')) return;
    try { await api('DELETE', `envs/${enc(state.env)}/collections/${enc(name)}`); toast('Deleted ' + name); go('database'); } catch (e) { toast(e.message, true); }
  } }, 'Drop');
  main.append(h('div', { class: 'panel' }, h('div', { class: 'ph' }, h('span', null, h('span', { class: 'mono' }, name), ' ', h('span', { class: 'muted small' }, `${fmtNum(coll.count)} docs · ${coll.index_count} indexes`)),
    h('div', { class: 'row' }, importBtn, exportBtn, dropBtn)),
  h('div', { class: 'pb' }, h('div', { class: 'tabs', role: 'tablist' }, ['Documents 文档', 'Query 查询', 'Indexes 索引'].map((t, i) => h('button', { type: 'button', role: 'tab', id: 'db-tab-' + tabKeys[i],
    class: tabKeys[i] === tab ? 'sel' : '', onclick: () => go(`database/${enc(name)}/${tabKeys[i]}`) }, t))), h('div', { id: 'db-tab' }))));
  const body = $('#db-tab', main);
  if (tab === 'query') return queryTab(body, name);
  if (tab === 'indexes') {
    const ix = await api('GET', `envs/${enc(state.env)}/collections/${enc(name)}/indexes`);
    body.append(h('table', { id: 'index-table' }, h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Keys'), h('th', null, 'Unique'), h('th', { class: 'num' }, 'Size'), h('th', { class: 'num' }, 'Uses'))),
      h('tbody', null, (ix.indexes || []).map((x) => h('tr', null, h('td', { class: 'mono' }, x.name), h('td', { class: 'mono' }, x.keys.map((k) => `${k.field}: ${k.direction}`).join(', ')),
        h('td', null, x.unique ? 'yes' : ''), h('td', { class: 'num' }, fmtNum(x.size)), h('td', { class: 'num' }, fmtNum(x.ops)))))));
    return;
  }
  await docsTab(body, name);
};

async function docsTab(body, name) {
  const pageSize = +(localStorage.getItem('tcb.pageSize') || 20);
  let skip = 0, mode = localStorage.getItem('tcb.docMode') || 'table';
  const content = h('div', { id: 'docs' });
  const info = h('span', { class: 'small muted', id: 'docs-info' });
  const size = h('select', { 'aria-label': 'Page size', onchange: () => { localStorage.setItem('tcb.pageSize', size.value); skip = 0; load(); } },
    [20, 50, 100, 200].map((n) => h('option', { value: n }, n + ' / page')));
  size.value = String(pageSize);
  const modeBtn = h('button', { type: 'button', class: 'small', id: 'docs-mode' });
  const prev = h('button', { type: 'button', class: 'small', id: 'docs-prev', 'aria-label': 'Previous page' }, '‹ Prev');
  const next = h('button', { type: 'button', class: 'small', id: 'docs-next', 'aria-label': 'Next page' }, 'Next ›');
  const addBtn = h('button', { type: 'button', class: 'small primary', id: 'doc-add' }, '+ Add document');
  body.append(h('div', { class: 'row', style: null }, addBtn, modeBtn, h('span', { class: 'spacer' }), info, size, prev, next), content);
  let last = null;
  const load = async () => {
    const n = +size.value;
    const r = await api('GET', `envs/${enc(state.env)}/collections/${enc(name)}/docs?skip=${skip}&limit=${n}`);
    last = r;
    const pages = Math.max(1, Math.ceil(r.total / n));
    info.textContent = `${fmtNum(r.total ? skip + 1 : 0)}–${fmtNum(skip + r.docs.length)} of ${fmtNum(r.total)} · page ${Math.floor(skip / n) + 1}/${fmtNum(pages)} · ${r.ms} ms`;
    prev.disabled = skip === 0; next.disabled = skip + n >= r.total;
    modeBtn.textContent = mode === 'table' ? '{ } JSON' : '▦ Table';
    paint();
    window.__tcb.ready.docs = true;
  };
  const paint = () => {
    clear(content);
    const docs = last.docs;
    if (!docs.length) { content.append(h('div', { class: 'empty' }, 'No documents on this page.')); return; }
    const actions = (doc) => h('span', { class: 'row' }, h('button', { type: 'button', class: 'small', dataset: { edit: compact(doc._id) }, onclick: () => editDoc(name, doc, load) }, 'Edit'),
      h('button', { type: 'button', class: 'small danger', dataset: { del: compact(doc._id) }, onclick: () => deleteDoc(name, doc, load) }, 'Delete'));
    if (mode === 'json') {
      for (const doc of docs) content.append(h('div', { class: 'panel' }, h('div', { class: 'ph' }, h('span', { class: 'mono small' }, '_id ' + compact(doc._id)), actions(doc)), h('pre', { class: 'json' }, pretty(doc))));
      return;
    }
    const cols = [];
    for (const d of docs) for (const k of Object.keys(d)) if (!cols.includes(k) && cols.length < 14) cols.push(k);
    content.append(h('div', { class: 'table-wrap' }, h('table', { id: 'docs-table' }, h('thead', null, h('tr', null, cols.map((c) => h('th', null, c)), h('th', null, ''))),
      h('tbody', null, docs.map((d) => h('tr', { dataset: { id: compact(d._id) } }, cols.map((c) => h('td', null, h('div', { class: 'cell', title: compact(d[c]) }, compact(d[c])))), h('td', null, actions(d))))))));
  };
  modeBtn.addEventListener('click', () => { mode = mode === 'table' ? 'json' : 'table'; localStorage.setItem('tcb.docMode', mode); modeBtn.textContent = mode === 'table' ? '{ } JSON' : '▦ Table'; paint(); });
  prev.addEventListener('click', () => { skip = Math.max(0, skip - +size.value); load(); });
  next.addEventListener('click', () => { skip += +size.value; load(); });
  addBtn.addEventListener('click', () => editDoc(name, null, load));
  await load();
}

async function editDoc(coll, doc, reload) {
  const ta = h('textarea', { class: 'code', id: 'doc-editor', spellcheck: 'false', rows: 18, 'aria-label': 'Document (Extended JSON)' });
  const copy = doc ? Object.fromEntries(Object.entries(doc).filter(([k]) => k !== '_id')) : {};
  ta.value = pretty(copy);
  const body = h('div', { class: 'body' }, doc ? h('p', { class: 'small muted' }, '_id ', h('code', null, compact(doc._id)), ' (kept). Extended JSON: {"$date": "..."} for dates.') : h('p', { class: 'small muted' }, 'A new document; give "_id" or let the database pick one.'), ta);
  await modal(doc ? 'Edit document 编辑文档' : 'Add document 新增文档', body, [
    { label: 'Cancel 取消', value: false },
    { label: doc ? 'Save 保存' : 'Add 新增', class: 'primary', id: 'doc-save', run: async () => {
      let parsed;
      try { parsed = JSON.parse(ta.value); } catch (e) { throw new Error('Not JSON: ' + e.message); }
      if (doc) {
        if (!await confirmDialog('Replace document 替换文档', `Replace the document ${compact(doc._id)} in ${coll} with the edited one?`, 'Replace 替换')) return false;
        await api('PUT', `envs/${enc(state.env)}/collections/${enc(coll)}/docs`, { id: doc._id, doc: parsed });
        toast('Saved ' + compact(doc._id));
      } else {
        const r = await api('POST', `envs/${enc(state.env)}/collections/${enc(coll)}/docs`, { doc: parsed });
        toast('Added ' + (r.ids || []).join(', '));
      }
      return true;
    } },
  ]);
  reload();
}

async function deleteDoc(coll, doc, reload) {
  if (!await confirmDialog('Delete document 删除文档', `Delete the document ${compact(doc._id)} from ${coll}?`, 'Delete 删除')) return;
  try { await api('DELETE', `envs/${enc(state.env)}/collections/${enc(coll)}/docs`, { id: doc._id }); toast('Deleted ' + compact(doc._id)); } catch (e) { toast(e.message, true); }
  reload();
}

async function importDialog(coll) {
  const mode = h('select', { id: 'import-mode' }, h('option', { value: 'insert' }, 'insert (an existing _id fails)'), h('option', { value: 'upsert' }, 'upsert (replace by _id)'));
  const input = h('input', { type: 'file', accept: '.json,.jsonl,.ndjson,application/json', id: 'import-file' });
  const drop = h('div', { class: 'drop', id: 'import-drop' }, 'Drop a JSON or JSON Lines file here, or ', input);
  let file = null;
  const out = h('div', { class: 'small' });
  input.addEventListener('change', () => { file = input.files[0]; out.textContent = file ? `${file.name} · ${fmtNum(file.size)} bytes` : ''; });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); file = e.dataTransfer.files[0]; out.textContent = file ? `${file.name} · ${fmtNum(file.size)} bytes` : ''; });
  const ok = await modal('Import into ' + coll + ' 导入', h('div', { class: 'body' }, drop, h('label', { class: 'inline' }, 'Mode ', mode), out), [
    { label: 'Cancel', value: false },
    { label: 'Import 导入', class: 'primary', run: async () => {
      if (!file) throw new Error('Pick a file first.');
      const r = await api('POST', `envs/${enc(state.env)}/collections/${enc(coll)}/import?mode=${mode.value}`, await file.arrayBuffer(), true);
      toast(`Imported: ${r.stats.inserted} inserted, ${r.stats.replaced + r.stats.upserted} replaced`);
      return true;
    } },
  ]);
  if (ok) route();
}

function queryTab(body, coll) {
  const key = 'tcb.stmt.' + state.env + '.' + coll;
  const ta = h('textarea', { class: 'code', id: 'stmt', spellcheck: 'false', rows: 6, 'aria-label': 'Statement' });
  ta.value = localStorage.getItem(key) || `db.collection("${coll}").where({}).limit(10).get()`;
  const explain = h('pre', { class: 'json', id: 'stmt-explain' }, 'The MongoDB form appears here.');
  const out = h('div', { id: 'stmt-result' });
  const runBtn = h('button', { type: 'button', class: 'primary', id: 'stmt-run' }, '▶ Run 运行');
  const explainOnly = async () => {
    try { const r = await api('POST', `envs/${enc(state.env)}/statement`, { statement: ta.value, explain_only: true }); explain.textContent = pretty(r.explain); explain.classList.remove('error-text'); }
    catch (e) { explain.textContent = e.message; explain.classList.add('error-text'); }
  };
  const run = async () => {
    localStorage.setItem(key, ta.value);
    runBtn.disabled = true;
    clear(out).append(h('p', { class: 'muted' }, 'running…'));
    let r;
    try { r = await api('POST', `envs/${enc(state.env)}/statement`, { statement: ta.value }); }
    catch (e) { r = e.data || { error: e.message }; }
    runBtn.disabled = false;
    clear(out);
    if (r.explain) { explain.textContent = pretty(r.explain); explain.classList.remove('error-text'); }
    if (r.error) { out.append(h('pre', { class: 'out error-text' }, r.error)); return; }
    const summary = r.docs ? `${r.docs.length} documents` : r.count !== undefined ? `count ${r.count}` : r.ids ? `inserted ${r.ids.join(', ')}` :
      r.update ? `matched ${r.update.matched}, modified ${r.update.modified}` : r.deleted !== undefined ? `deleted ${r.deleted}` : '';
    out.append(h('p', { class: 'small muted', id: 'stmt-summary' }, `${r.action} on ${r.collection}: ${summary} · ${r.ms} ms`));
    if (r.docs) out.append(h('pre', { class: 'json' }, r.docs.map((d) => JSON.stringify(d)).join('\n')));
  };
  runBtn.addEventListener('click', run);
  ta.addEventListener('keydown', (e) => { if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); run(); } });
  let t = 0;
  ta.addEventListener('input', () => { clearTimeout(t); t = setTimeout(explainOnly, 350); });
  body.append(h('div', { class: 'split2' },
    h('div', { class: 'fill-col' }, h('label', { class: 'small muted', for: 'stmt' }, 'Mini-program statement 小程序语句 (Ctrl+Enter)'), ta, h('div', { class: 'row' }, h('span', { class: 'spacer' }), runBtn)),
    h('div', { class: 'fill-col' }, h('span', { class: 'small muted' }, 'Explain 执行计划 (MongoDB form)'), explain)), out);
  explainOnly();
}

// ---------- Storage and hosting (when the storage module is present) ----------
function fmtSize(n) {
  if (n < 1024) return n + ' B';
  const u = ['KB', 'MB', 'GB']; let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < u.length - 1);
  return n.toFixed(n < 10 ? 1 : 0) + ' ' + u[i];
}
async function fetchObject(bucket, key) {
  const resp = await fetch(`api/envs/${enc(state.env)}/storage/object?bucket=${bucket}&key=${enc(key)}`, { headers: { 'X-TCB-Console-Token': TOKEN } });
  if (!resp.ok) throw new Error('HTTP ' + resp.status);
  return resp.blob();
}
views.storage = async (view, args) => {
  if (needEnv(view)) return;
  const bucket = args[0] === 'hosting' ? 'hosting' : 'storage';
  const prefix = args.slice(1).join('/');
  const tabs = h('div', { class: 'tabs', role: 'tablist' },
    h('button', { type: 'button', role: 'tab', id: 'st-tab-storage', class: bucket === 'storage' ? 'sel' : '', onclick: () => go('storage/storage') }, 'Storage 云存储'),
    h('button', { type: 'button', role: 'tab', id: 'st-tab-hosting', class: bucket === 'hosting' ? 'sel' : '', onclick: () => go('storage/hosting') }, 'Hosting 静态托管'));
  const panel = h('div', { class: 'panel', id: 'storage-panel' });
  view.append(tabs, panel);
  let r;
  try { r = await api('GET', `envs/${enc(state.env)}/storage?bucket=${bucket}&prefix=${enc(prefix)}`); }
  catch (e) {
    if (bucket === 'hosting') {
      panel.append(h('div', { class: 'empty' }, e.message, h('p', null, h('button', { type: 'button', class: 'primary', id: 'hosting-enable', onclick: async () => {
        try { await api('POST', `envs/${enc(state.env)}/hosting`, {}); toast('Hosting enabled'); route(); } catch (err) { toast(err.message, true); }
      } }, 'Enable hosting 开通静态托管'))));
      return;
    }
    throw e;
  }
  const crumbs = h('div', { class: 'row mono small', id: 'st-crumbs' }, h('a', { href: `#/storage/${bucket}` }, r.bucket), ' /');
  let acc = '';
  for (const part of prefix.split('/').filter(Boolean)) { acc += part + '/'; const p = acc; crumbs.append(' ', h('a', { href: `#/storage/${bucket}/` + p.split('/').filter(Boolean).map(enc).join('/') }, part), ' /'); }
  const input = h('input', { type: 'file', multiple: true, id: 'st-file', 'aria-label': 'Files to upload' });
  const status = h('span', { class: 'small muted', id: 'st-status' });
  const upload = async (files) => {
    let done = 0;
    for (const f of files) {
      status.textContent = `uploading ${f.name} (${done + 1}/${files.length})…`;
      const resp = await fetch(`api/envs/${enc(state.env)}/storage/object?bucket=${bucket}&key=${enc(prefix ? prefix.replace(/\/?$/, '/') + f.name : f.name)}`,
        { method: 'PUT', body: f, headers: { 'X-TCB-Console-Token': TOKEN, 'X-Content-Type': f.type || '' } });
      if (!resp.ok) { const j = await resp.json().catch(() => ({})); toast(`${f.name}: ${j.error || resp.status}`, true); continue; }
      done++;
    }
    status.textContent = `${done} uploaded`;
    toast(`Uploaded ${done} file${done === 1 ? '' : 's'}`);
    route();
  };
  input.addEventListener('change', () => upload(Array.from(input.files)));
  const drop = h('div', { class: 'drop', id: 'st-drop' }, 'Drop files here to upload to ', h('code', null, '/' + (prefix ? prefix.replace(/\/?$/, '/') : '')), ' · or ', input);
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); upload(Array.from(e.dataTransfer.files)); });
  const siteLinks = r.site ? h('span', { class: 'row small' }, h('a', { href: r.site, target: '_blank', rel: 'noopener noreferrer', id: 'site-link' }, 'Open site ↗'), h('a', { href: r.site_path, target: '_blank', rel: 'noopener noreferrer', class: 'muted' }, r.site_path)) : '';
  const rows = [];
  for (const d of r.dirs) {
    const rel = d.slice(prefix ? prefix.replace(/\/?$/, '/').length : 0);
    rows.push(h('tr', { dataset: { dir: d } }, h('td', null, h('a', { href: `#/storage/${bucket}/` + d.split('/').filter(Boolean).map(enc).join('/') }, '📁 ' + rel)), h('td', null, ''), h('td', null, ''), h('td', null, '')));
  }
  for (const o of r.objects) {
    const name = o.key.slice(prefix ? prefix.replace(/\/?$/, '/').length : 0);
    const isImg = /\.(png|jpe?g|gif|webp|svg|bmp|ico)$/i.test(o.key);
    rows.push(h('tr', { dataset: { key: o.key } }, h('td', { class: 'mono' }, name), h('td', { class: 'num' }, fmtSize(o.size)), h('td', { class: 'small' }, fmtDate(o.last_modified)),
      h('td', null, h('span', { class: 'row' },
        isImg ? h('button', { type: 'button', class: 'small', dataset: { preview: o.key }, onclick: async () => {
          try {
            const url = URL.createObjectURL(await fetchObject(bucket, o.key));
            await modal(o.key, h('div', { class: 'body' }, h('img', { src: url, alt: o.key, id: 'st-preview', class: 'preview' })), [{ label: 'Close', value: true, class: 'primary' }]);
            URL.revokeObjectURL(url);
          } catch (e) { toast(e.message, true); }
        } }, 'Preview') : '',
        h('button', { type: 'button', class: 'small', onclick: async () => {
          try { const url = URL.createObjectURL(await fetchObject(bucket, o.key)); const a = h('a', { href: url, download: name }); document.body.append(a); a.click(); a.remove(); setTimeout(() => URL.revokeObjectURL(url), 5000); }
          catch (e) { toast(e.message, true); }
        } }, 'Download'),
        h('button', { type: 'button', class: 'small danger', dataset: { delkey: o.key }, onclick: async () => {
          if (!await confirmDialog('Delete file 删除文件', `Delete ${o.key} from ${r.bucket}?`, 'Delete 删除')) return;
          try { await api('DELETE', `envs/${enc(state.env)}/storage/object?bucket=${bucket}&key=${enc(o.key)}`); toast('Deleted ' + o.key); route(); } catch (e) { toast(e.message, true); }
        } }, 'Delete')))));
  }
  panel.append(h('div', { class: 'ph' }, crumbs, siteLinks), h('div', { class: 'pb' }, drop, status,
    rows.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'st-table' }, h('thead', null, h('tr', null, h('th', null, 'Name 名称'), h('th', { class: 'num' }, 'Size'), h('th', null, 'Modified'), h('th', null, ''))), h('tbody', null, rows)))
      : h('div', { class: 'empty' }, 'Nothing here yet.'),
    r.truncated ? h('p', { class: 'small muted' }, 'More than 1000 entries: narrow the prefix.') : ''));
  window.__tcb.ready.storage = true;
};

// ---------- WeChat ----------
views.wechat = async (view) => {
  const paint = async () => {
    const r = await api('GET', 'wechat');
    const st = r.state || {}, tl = r.timeline || { apps: [] };
    const apps = st.apps || {};
    const frag = document.createDocumentFragment();
    frag.append(h('div', { class: 'panel' }, h('h2', null, 'Apps 小程序', h('span', { class: 'small muted' }, `token TTL ${tl.ttl_seconds}s · overlap ${tl.overlap_seconds}s · force_refresh ${tl.force_daily_limit}/day, ${tl.force_spacing_seconds}s apart`)),
      h('div', { class: 'table-wrap' }, h('table', { id: 'apps-table' }, h('thead', null, h('tr', null, ['AppID', 'token fetches', 'stable_token fetches', 'valid tokens', 'cgi-bin/token today', 'stable_token today', 'force refreshes today'].map((x, i) => h('th', { class: i ? 'num' : '' }, x)))),
        h('tbody', null, Object.keys(apps).sort().map((id) => { const a = apps[id]; return h('tr', null, h('td', { class: 'mono' }, id), h('td', { class: 'num' }, fmtNum(a.fetches.token)), h('td', { class: 'num' }, fmtNum(a.fetches.stable_token)),
          h('td', { class: 'num' }, a.valid_tokens), h('td', { class: 'num' }, `${a.legacy_calls_today} / ${tl.legacy_daily_quota < 0 ? '∞' : fmtNum(tl.legacy_daily_quota)}`),
          h('td', { class: 'num' }, fmtNum(a.stable_calls_today)), h('td', { class: 'num' }, `${a.force_refreshes_today} / ${tl.force_daily_limit}`)); }))))));
    const tlPanel = h('div', { class: 'panel', id: 'token-timeline' }, h('h2', null, 'Tokens 令牌 timeline', h('span', { class: 'legend' }, h('span', null, h('i', { class: 'lg-ok' }), 'valid'), h('span', null, h('i', { class: 'lg-dead' }), 'superseded / expired'), h('span', null, h('i', { class: 'lg-ov' }), 'overlap window'), h('span', null, h('i', { class: 'lg-now' }), 'now'))));
    const pb = h('div', { class: 'pb' });
    tlPanel.append(pb);
    const withTokens = tl.apps.filter((a) => a.tokens.length);
    if (!withTokens.length) pb.append(h('div', { class: 'empty' }, 'No token issued yet: ', h('code', null, 'tcb token get'), ' fetches one.'));
    for (const a of withTokens) pb.append(timeline(a, tl));
    frag.append(tlPanel);
    const msgs = (r.messages && (r.messages.messages || r.messages)) || [];
    frag.append(h('div', { class: 'panel' }, h('h2', null, `Subscribe messages 订阅消息 (${Array.isArray(msgs) ? msgs.length : 0})`),
      Array.isArray(msgs) && msgs.length ? h('div', { class: 'table-wrap' }, h('table', null, h('thead', null, h('tr', null, ['Time', 'AppID', 'To', 'Template', 'Page', 'Data'].map((x) => h('th', null, x)))),
        h('tbody', null, msgs.slice().reverse().map((m) => h('tr', null, h('td', { class: 'small' }, fmtDate(m.sent_at || m.time)), h('td', { class: 'mono' }, m.appid), h('td', { class: 'mono' }, m.touser),
          h('td', { class: 'mono' }, m.template_id), h('td', null, m.page || ''), h('td', null, h('div', { class: 'cell' }, compact(m.data)))))))) : h('div', { class: 'empty' }, 'No subscribe message sent yet.')));
    frag.append(await faultsPanel());
    clear(view).append(frag);
    window.__tcb.ready.wechat = true;
  };
  await paint();
  const timer = setInterval(() => { if (!document.querySelector('.modal-bg') && !view.contains(document.activeElement)) paint().catch(() => {}); }, 5000);
  onCleanup(() => clearInterval(timer));
};

function timeline(app, tl) {
  const now = Date.parse(tl.now);
  const toks = app.tokens.map((t) => ({ ...t, from: Date.parse(t.issued_at), until: Date.parse(t.valid_until), exp: Date.parse(t.expires_at) }));
  const lo = Math.min(...toks.map((t) => t.from), now - 60e3);
  const hi = Math.max(...toks.map((t) => t.exp), now + 60e3);
  const pct = (x) => ((x - lo) / (hi - lo) * 100).toFixed(3) + '%';
  const wrap = h('div', { class: 'timeline', dataset: { app: app.appid } }, h('div', { class: 'small' }, h('b', { class: 'mono' }, app.appid), app.force_last ? h('span', { class: 'muted' }, ' · last force_refresh ' + fmtDate(app.force_last)) : ''));
  for (const fam of ['legacy', 'stable']) {
    const ft = toks.filter((t) => t.family === fam).sort((a, b) => a.from - b.from);
    for (const t of ft) {
      const track = h('div', { class: 'tl-track' });
      // Overlap: the previous token still valid after the current one was issued.
      if (t.role === 'previous') {
        const cur = ft.find((x) => x.role === 'current');
        if (cur && cur.from < t.until) { const ov = h('div', { class: 'tl-overlap', title: 'both tokens valid' }); ov.style.left = pct(cur.from); ov.style.width = `calc(${pct(t.until)} - ${pct(cur.from)})`; track.append(ov); }
      }
      const bar = h('div', { class: 'tl-bar' + (t.errcode ? ' dead' : ''), title: `${t.token} ${t.family} ${t.role}: ${fmtDate(t.issued_at)} → ${fmtDate(t.valid_until)} (errcode ${t.errcode})` });
      bar.style.left = pct(t.from); bar.style.width = `calc(${pct(t.until)} - ${pct(t.from)})`;
      track.append(bar);
      if (t.exp > t.until) { const tail = h('div', { class: 'tl-tail', title: 'revoked before its expiry' }); tail.style.left = pct(t.until); tail.style.width = `calc(${pct(t.exp)} - ${pct(t.until)})`; track.append(tail); }
      const nowLine = h('div', { class: 'tl-now' }); nowLine.style.left = pct(now); track.append(nowLine);
      const left = Math.round((t.until - now) / 1000);
      wrap.append(h('div', { class: 'tl-row' }, h('div', { class: 'tl-label' }, h('span', { class: 'mono' }, t.token), ` ${fam} · ${t.role} · `, t.errcode ? h('span', { class: 'badge' }, String(t.errcode)) : h('span', { class: 'badge ok' }, `${left}s left`)), track));
    }
  }
  const axis = h('div', { class: 'tl-axis' });
  for (let i = 0; i <= 4; i++) { const x = lo + (hi - lo) * i / 4; const s = h('span', null, new Date(x).toLocaleTimeString('en-GB', { hour12: false })); s.style.left = (i * 25) + '%'; if (i === 0) s.style.transform = 'none'; if (i === 4) s.style.transform = 'translateX(-100%)'; axis.append(s); }
  wrap.append(axis);
  return wrap;
}

async function faultsPanel() {
  const r = await api('GET', 'faults');
  const list = r.faults || [];
  const action = h('input', { type: 'text', id: 'fault-action', placeholder: 'action or path: DescribeEnvs, scf:Invoke, /tcb/databasequery, *', size: 34, class: 'mono' });
  const count = h('input', { type: 'number', id: 'fault-count', value: '1', min: '1', style: null });
  count.style.width = '70px';
  const code = h('input', { type: 'text', id: 'fault-code', placeholder: 'Cloud API code', size: 16, class: 'mono' });
  const errcode = h('input', { type: 'number', id: 'fault-errcode', placeholder: 'errcode' });
  errcode.style.width = '100px';
  const latency = h('input', { type: 'text', id: 'fault-latency', placeholder: 'latency 500ms', size: 10 });
  const form = h('form', { class: 'row', onsubmit: async (e) => {
    e.preventDefault();
    const rule = { action: action.value.trim(), count: +count.value || 1 };
    if (code.value) rule.code = code.value.trim();
    if (errcode.value) rule.errcode = +errcode.value;
    if (latency.value) rule.latency = latency.value.trim();
    try { await api('POST', 'faults', rule); toast('Fault added'); route(); } catch (err) { toast(err.message, true); }
  } }, action, count, code, errcode, latency, h('button', { type: 'submit', class: 'small primary', id: 'fault-add' }, 'Inject 注入'));
  return h('div', { class: 'panel', id: 'faults-panel' }, h('h2', null, `Injected faults 故障注入 (${list.length})`, list.length ? h('button', { type: 'button', class: 'small danger', onclick: async () => {
    if (await confirmDialog('Clear faults', 'Remove every pending fault?', 'Clear')) { await api('DELETE', 'faults'); route(); }
  } }, 'Clear all') : ''),
  h('div', { class: 'pb' }, list.length ? h('table', null, h('thead', null, h('tr', null, ['Action', 'Remaining', 'Code', 'errcode', 'Latency'].map((x) => h('th', null, x)))),
    h('tbody', null, list.map((f) => h('tr', null, h('td', { class: 'mono' }, f.action), h('td', null, f.count), h('td', { class: 'mono' }, f.code || ''), h('td', null, f.errcode || ''), h('td', null, f.latency || ''))))) : h('p', { class: 'muted small' }, 'None pending: the next calls of an action fail or slow down as you say.'), form));
}

// ---------- Requests ----------
views.requests = async (view, args) => {
  view.className = 'fill';
  const q = h('input', { type: 'search', placeholder: 'filter: action, path, code, request id  /', 'data-filter': '', id: 'req-filter', size: 40 });
  const kind = h('select', { id: 'req-kind', 'aria-label': 'Kind' }, h('option', { value: '' }, 'all doors'), h('option', { value: 'api' }, 'Cloud API'), h('option', { value: 'sdk' }, 'SDK /admin'), h('option', { value: 'http' }, 'WeChat & HTTP'));
  const errors = h('input', { type: 'checkbox', id: 'req-errors' });
  const mine = h('input', { type: 'checkbox', id: 'req-console' });
  const count = h('span', { class: 'small muted' });
  const list = new VList({
    cls: 'table', id: 'req-list',
    render: (r) => h('div', { class: r.code ? 'err' : '' }, h('span', { class: 't' }, fmtTime(r.time)), h('span', null, r.kind), h('span', null, r.name),
      h('span', { class: 'muted' }, r.caller || r.user_agent || ''), h('span', null, r.code || 'OK'), h('span', null, r.ms.toFixed(1))),
    onPick: (r, open) => { showRequest(r.seq); },
  });
  const match = (r) => (!q.value || (r.name + ' ' + (r.code || '') + ' ' + (r.request_id || '') + ' ' + (r.message || '')).toLowerCase().includes(q.value.toLowerCase())) &&
    (!kind.value || r.kind === kind.value) && (!errors.checked || r.code) && (mine.checked || !r.console);
  let rows = [];
  const refilter = () => { rows = store.requests.filter(match); list.setItems(rows); count.textContent = `${fmtNum(rows.length)} requests`; };
  for (const el of [q, kind, errors, mine]) el.addEventListener('input', refilter);
  view.append(h('div', { class: 'row' }, q, kind, h('label', { class: 'inline' }, errors, 'errors only'), h('label', { class: 'inline' }, mine, "console's own calls"), h('span', { class: 'spacer' }), count),
    h('div', { class: 'vhead' }, h('span', null, 'time'), h('span', null, 'door'), h('span', null, 'call'), h('span', null, 'caller'), h('span', null, 'result'), h('span', null, 'ms')), list.el);
  list.el.style.marginTop = '0';
  if (!store.requestsLoaded) {
    const r = await api('GET', 'requests?limit=2000');
    const have = new Set(store.requests.map((x) => x.seq));
    store.requests = r.requests.filter((x) => !have.has(x.seq)).concat(store.requests).sort((a, b) => a.seq - b.seq);
    store.requestsLoaded = true;
  }
  refilter();
  onCleanup(live.on('request', (r) => { if (match(r)) { rows.push(r); list.append(1); count.textContent = `${fmtNum(rows.length)} requests`; } }));
  window.__tcb.ready.requests = true;
  if (args[0]) showRequest(+args[0]);
};

async function showRequest(seq) {
  document.querySelectorAll('.drawer').forEach((d) => d.remove());
  const body = h('div', { class: 'body' }, 'loading…');
  const close = () => { drawer.remove(); dialogStack = dialogStack.filter((d) => d !== close); };
  const drawer = h('aside', { class: 'drawer', id: 'req-detail', role: 'dialog', 'aria-label': 'Request' }, h('header', null, h('b', null, 'Request #' + seq), h('button', { type: 'button', class: 'small', onclick: close }, 'Close (Esc)')), body);
  document.body.append(drawer);
  dialogStack.push(close);
  try {
    const r = await api('GET', 'requests/' + seq);
    const s = r.summary;
    clear(body).append(h('dl', { class: 'kv' }, [['Call', s.name], ['Door', s.kind], ['When', fmtDate(s.time)], ['Request id', s.request_id || ''], ['Caller', s.caller || ''], ['User agent', s.user_agent || ''],
      ['HTTP', `${r.method} ${r.path} → ${s.status}`], ['Result', s.code ? `${s.code} ${s.message || ''}` : 'OK'], ['Latency', s.ms.toFixed(2) + ' ms'],
      ['Sizes', `request ${fmtNum(r.body_size)} bytes · response ${fmtNum(r.response_size)} bytes`]].map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    r.redacted.query ? [h('h3', null, 'Query'), h('pre', { class: 'json' }, pretty(r.redacted.query))] : '',
    h('h3', null, 'Request body 请求体'), h('pre', { class: 'json', id: 'req-body' }, r.redacted.body === undefined ? '(none)' : typeof r.redacted.body === 'string' ? r.redacted.body : pretty(r.redacted.body)),
    h('h3', null, 'Response 响应'), h('pre', { class: 'json', id: 'req-response' }, r.redacted.response === undefined ? '(none)' : typeof r.redacted.response === 'string' ? r.redacted.response : pretty(r.redacted.response)),
    h('p', { class: 'small muted' }, 'Secrets are masked and tokens shortened.'));
  } catch (e) { clear(body).append(h('p', { class: 'error-text' }, e.message)); }
}

// ---------- theme and keyboard ----------
function applyTheme(t) { document.documentElement.dataset.theme = t; localStorage.setItem('tcb.theme', t); $('#theme-btn').title = `Theme: ${t} (t)`; }
function cycleTheme() { const order = ['auto', 'light', 'dark']; applyTheme(order[(order.indexOf(document.documentElement.dataset.theme) + 1) % 3]); }

function help() {
  const rows = [['g o / f / d / w / r', 'go to Overview, Functions, Database, WeChat, Requests'], ['/', 'focus the filter of the page'], ['t', 'switch theme (auto, light, dark)'],
    ['Ctrl+Enter', 'invoke, run the statement, save the dialog'], ['↑ ↓ / j k, Enter', 'move in the request list, open one'], ['Esc', 'close a dialog or the request panel'], ['?', 'this help']];
  modal('Keyboard 快捷键', h('div', { class: 'body' }, h('table', null, h('tbody', null, rows.map(([k, v]) => h('tr', null, h('td', null, h('kbd', null, k)), h('td', null, v)))))), [{ label: 'Close', value: true, class: 'primary' }]);
}

let pendingG = 0;
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && dialogStack.length) { e.preventDefault(); dialogStack[dialogStack.length - 1](undefined); return; }
  const tag = (e.target.tagName || '').toLowerCase();
  if (tag === 'input' || tag === 'textarea' || tag === 'select' || e.target.isContentEditable || e.ctrlKey || e.metaKey || e.altKey) return;
  if (dialogStack.length) return;
  if (pendingG && Date.now() - pendingG < 1200) {
    pendingG = 0;
    const map = { o: 'overview', f: 'functions', d: 'database', w: 'wechat', r: 'requests', s: 'storage' };
    if (map[e.key]) { e.preventDefault(); go(map[e.key]); }
    return;
  }
  if (e.key === 'g') { pendingG = Date.now(); return; }
  if (e.key === '/') { const f = $('#view [data-filter]'); if (f) { e.preventDefault(); f.focus(); } return; }
  if (e.key === '?') { e.preventDefault(); help(); return; }
  if (e.key === 't') { cycleTheme(); }
});

// ---------- start ----------
applyTheme(localStorage.getItem('tcb.theme') || 'auto');
$('#theme-btn').addEventListener('click', cycleTheme);
$('#help-btn').addEventListener('click', help);
$('#env-select').addEventListener('change', (e) => {
  pickEnv(e.target.value);
  go(state.route);
});
window.addEventListener('hashchange', route);
(async () => {
  // One overview call names the envs and the server's sequence number: the
  // stream starts there (only deltas from now on), and the overview page
  // renders from the same answer.
  try { preloaded = await loadEnvs(); live.seq = preloaded.seq || 0; } catch (e) { toast(e.message, true); }
  live.run();
  route();
})();
