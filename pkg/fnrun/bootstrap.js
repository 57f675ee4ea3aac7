'use strict';
// tcb fnrun bootstrap: hosts one CloudBase Node.js function and serves its
// invocations one at a time for the Go side (package fnrun).
//
// Channels:
//   fd 3  Go -> child frames (init, invoke)
//   fd 4  child -> Go frames (ready, result, fatal)
//   fd 1/2 user output (the invocation log); never used for the protocol
//   except for the end-of-invocation marker the Go side strips.
// A frame is a 4-byte big-endian length followed by that many bytes of JSON.

const fs = require('fs');
const net = require('net');
const path = require('path');
const { pathToFileURL } = require('url');

// On Linux, reopen the protocol pipes through /proc so that the new
// descriptors are close-on-exec (libuv opens files with O_CLOEXEC): processes
// the function spawns then do not inherit them.
function privateFd(fd, flags) {
  if (process.platform !== 'linux') return fd;
  try {
    const nfd = fs.openSync(`/proc/self/fd/${fd}`, flags);
    fs.closeSync(fd);
    return nfd;
  } catch (e) {
    return fd;
  }
}
const OUT_FD = privateFd(4, fs.constants.O_WRONLY);
const IN_FD = privateFd(3, fs.constants.O_RDONLY);
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

// Keep our own references: user code may replace these.
const stdoutStream = process.stdout;
const stderrStream = process.stderr;
const stdoutWrite = stdoutStream.write.bind(stdoutStream);
const stderrWrite = stderrStream.write.bind(stderrStream);
const bootstrapFile = __filename;

let marker = '';
let markerBuf = null;
let current = null; // {id} while an invocation runs
let handler = null; // the loaded handler function

function writeAll(fd, buf) {
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if (e && e.code === 'EAGAIN') continue;
      throw e;
    }
  }
}

function sendRaw(json) {
  const body = Buffer.from(json, 'utf8');
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(body.length, 0);
  writeAll(OUT_FD, Buffer.concat([head, body], 4 + body.length));
}

function send(msg) {
  sendRaw(JSON.stringify(msg));
}

function nodeRSS() {
  try {
    return typeof process.memoryUsage.rss === 'function' ? process.memoryUsage.rss() : process.memoryUsage().rss;
  } catch (e) {
    return 0;
  }
}

// On Linux the resident set is read from /proc/self/statm, kept open and
// read again at offset 0: one pread, where process.memoryUsage.rss() opens,
// reads and closes /proc/self/stat every time. Its second field counts the
// same pages (the kernel's mm RSS); their size is learnt once by comparing
// the two.
const statm = (() => {
  if (process.platform !== 'linux') return null;
  try {
    const fd = fs.openSync('/proc/self/statm', 'r');
    const buf = Buffer.alloc(128);
    const pages = () => {
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      const f = buf.toString('latin1', 0, n).split(' ');
      const v = Number(f[1]);
      return f.length >= 2 && Number.isSafeInteger(v) && v > 0 ? v : NaN;
    };
    const p = pages();
    const ratio = nodeRSS() / p;
    let size = 0;
    for (const s of [4096, 16384, 65536]) if (ratio > s * 0.5 && ratio < s * 2) size = s;
    if (!size) {
      fs.closeSync(fd);
      return null;
    }
    return { pages, size };
  } catch (e) {
    return null;
  }
})();

function rss() {
  if (statm) {
    try {
      const p = statm.pages();
      if (p > 0) return p * statm.size;
    } catch (e) {
      // fall back to node's own reading
    }
  }
  return nodeRSS();
}

function cleanStack(stack) {
  if (typeof stack !== 'string') return '';
  return stack.split('\n').filter((l) => !l.includes(bootstrapFile)).join('\n');
}

function describe(err) {
  if (err instanceof Error || (err && typeof err === 'object' && typeof err.message === 'string')) {
    return { name: String(err.name || 'Error'), message: String(err.message), stack: cleanStack(err.stack) };
  }
  let message;
  if (typeof err === 'string') message = err;
  else {
    try {
      message = JSON.stringify(err);
    } catch (e) {
      message = undefined;
    }
    if (message === undefined) message = String(err);
  }
  return { name: 'Error', message, stack: '' };
}

class HandlerNotFound extends Error {}

// Thrown wraps whatever user code threw or rejected with (which may be any value).
class Thrown {
  constructor(value) {
    this.value = value;
  }
}

function findFile(base) {
  try {
    return require.resolve(base);
  } catch (e) {
    for (const ext of ['.mjs', '.cjs']) {
      try {
        if (fs.statSync(base + ext).isFile()) return base + ext;
      } catch (e2) {
        // try the next one
      }
    }
    return null;
  }
}

async function loadHandler() {
  if (handler) return handler;
  const spec = process.env.SCF_FUNCTION_HANDLER || 'index.main';
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) {
    throw new HandlerNotFound(`invalid handler "${spec}": want <file>.<export>, e.g. index.main`);
  }
  const file = spec.slice(0, dot);
  const name = spec.slice(dot + 1);
  const resolved = findFile(path.resolve(process.cwd(), file));
  if (!resolved) {
    throw new HandlerNotFound(`handler file "${file}" not found in the function code (handler "${spec}")`);
  }
  let mod;
  try {
    mod = require(resolved);
  } catch (e) {
    if (!e || e.code !== 'ERR_REQUIRE_ESM') throw e;
    mod = await import(pathToFileURL(resolved).href);
  }
  let fn = mod != null ? mod[name] : undefined;
  if (typeof fn !== 'function' && mod != null && mod.default != null && typeof mod.default[name] === 'function') {
    fn = mod.default[name];
  }
  if (typeof fn !== 'function') {
    throw new HandlerNotFound(`"${name}" is not a function exported by "${file}" (handler "${spec}")`);
  }
  handler = fn;
  return fn;
}

function callHandler(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (failed, value) => {
      if (settled) return;
      settled = true;
      if (failed) reject(new Thrown(value));
      else resolve(value);
    };
    const wantsCallback = fn.length >= 3;
    const callback = (err, value) => {
      if (err !== undefined && err !== null) settle(true, err);
      else settle(false, value);
    };
    let out;
    try {
      out = wantsCallback ? fn(event, context, callback) : fn(event, context);
    } catch (e) {
      settle(true, e);
      return;
    }
    if (out !== null && (typeof out === 'object' || typeof out === 'function') && typeof out.then === 'function') {
      out.then((v) => settle(false, v), (e) => settle(true, e));
    } else if (!wantsCallback) {
      settle(false, out);
    }
  });
}

// flush waits until everything user code wrote to stdout/stderr is handed to
// the pipe, then writes the marker so the Go side knows the log is complete.
// Should user code have broken the streams, the result goes out anyway.
function flush(done) {
  // Usually nothing is queued in the streams (pipes are written
  // synchronously): everything is in the pipe already, and the marker is
  // written to fd 1 at once, without a stream write and its callback.
  if (markerBuf && idle(stdoutStream) && idle(stderrStream)) {
    try {
      writeAll(1, markerBuf);
    } catch (e) {
      // the result goes out anyway
    }
    done();
    return;
  }
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    clearTimeout(fallback);
    done();
  };
  const fallback = setTimeout(once, 3000);
  fallback.unref();
  const writeMarker = () => {
    try {
      stdoutWrite(marker, once);
    } catch (e) {
      once();
    }
  };
  // An empty write to stderr calls back once what was queued before it is
  // written.
  if (idle(stderrStream)) {
    writeMarker();
    return;
  }
  try {
    stderrWrite('', writeMarker);
  } catch (e) {
    once();
  }
}

function idle(stream) {
  return stream.writableLength === 0 && !stream.writableNeedDrain;
}

// The function's own values of the variables the invocations override
// (undefined: the function does not have it), for as long as one is
// overridden: an invocation that does not set a variable again sees the
// function's value. Only variables whose value changes are written, so a
// warm invocation whose caller and credentials are the previous one's
// writes little more than TCB_SEQID (each write is a setenv).
const savedVars = new Map();
const own = Object.prototype.hasOwnProperty;

function setVar(k, v) {
  if (v === undefined) {
    if (own.call(process.env, k)) delete process.env[k];
  } else if (process.env[k] !== v) {
    process.env[k] = v;
  }
}

function applyVars(vars) {
  vars = vars || {};
  for (const [k, v] of savedVars) {
    if (!own.call(vars, k)) {
      setVar(k, v);
      savedVars.delete(k);
    }
  }
  for (const k of Object.keys(vars)) {
    if (!savedVars.has(k)) savedVars.set(k, own.call(process.env, k) ? process.env[k] : undefined);
    setVar(k, typeof vars[k] === 'string' ? vars[k] : undefined);
  }
}

async function invoke(msg) {
  current = { id: msg.id };
  applyVars(msg.vars);
  const ctx = msg.context || {};
  const deadline = Date.now() + (Number(ctx.time_limit_in_ms) || 0);
  const context = Object.assign({}, ctx, {
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis() {
      return Math.max(0, deadline - Date.now());
    },
  });
  const t0 = process.hrtime.bigint();
  let head; // the frame without the closing brace
  let ret = null;
  try {
    const fn = await loadHandler();
    const value = await callHandler(fn, msg.event, context);
    let text;
    try {
      text = JSON.stringify(value);
    } catch (e) {
      throw new Thrown(e);
    }
    if (text === undefined) text = 'null';
    if (Buffer.byteLength(text, 'utf8') > MAX_RESPONSE_BYTES) {
      head = { status: 407, error: { name: 'Error', message: `the function's return value is larger than ${MAX_RESPONSE_BYTES} bytes`, stack: '' } };
    } else {
      ret = text;
      head = { status: 200 };
    }
  } catch (e) {
    if (e instanceof HandlerNotFound) {
      head = { status: 437, error: { name: 'HandlerNotFound', message: e.message, stack: '' } };
    } else {
      head = { status: 430, error: describe(e instanceof Thrown ? e.value : e) };
    }
  }
  const duration = Number(process.hrtime.bigint() - t0) / 1e6;
  head.type = 'result';
  head.id = msg.id;
  head.duration = duration;
  head.rss = rss();
  let json = JSON.stringify(head);
  if (ret !== null) json = json.slice(0, -1) + ',"ret":' + ret + '}';
  flush(() => {
    current = null;
    sendRaw(json);
  });
}

let dying = false;

function fatal(kind, err) {
  dying = true;
  const info = describe(err);
  try {
    stderrWrite(`${kind}: ${info.stack || info.message}\n`);
  } catch (e) {
    // ignore
  }
  try {
    send({ type: 'fatal', id: current ? current.id : '', kind, error: info });
  } catch (e) {
    // ignore
  }
  process.exit(1);
}

process.on('uncaughtException', (err) => fatal('uncaughtException', err));
process.on('unhandledRejection', (err) => fatal('unhandledRejection', err));
process.on('exit', (code) => {
  if (current && !dying) {
    try {
      send({ type: 'fatal', id: current.id, kind: 'exit', code });
    } catch (e) {
      // ignore
    }
  }
});

function dispatch(msg) {
  switch (msg.type) {
    case 'init':
      marker = String(msg.marker || '');
      markerBuf = Buffer.from(marker, 'utf8');
      send({ type: 'ready', pid: process.pid, node: process.version });
      break;
    case 'invoke':
      invoke(msg);
      break;
    default:
      break;
  }
}

const input = new net.Socket({ fd: IN_FD, readable: true, writable: false });
let chunks = [];
let have = 0;
let need = -1; // body length of the frame being read, -1 before its header
input.on('data', (chunk) => {
  chunks.push(chunk);
  have += chunk.length;
  while (have >= 4) {
    if (need < 0) {
      if (chunks[0].length < 4) chunks = [Buffer.concat(chunks, have)];
      need = chunks[0].readUInt32BE(0);
    }
    if (have < 4 + need) return;
    const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have);
    const body = buf.toString('utf8', 4, 4 + need);
    const rest = buf.subarray(4 + need);
    chunks = rest.length ? [rest] : [];
    have = rest.length;
    need = -1;
    dispatch(JSON.parse(body));
  }
});
// The Go side closed its end (it exited or stopped us): leave.
input.on('end', () => process.exit(0));
input.on('error', () => process.exit(0));
