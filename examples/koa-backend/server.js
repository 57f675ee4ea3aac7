// A mini program's backend server. It never fetches an access_token itself:
// it asks the central token server (tcb token serve), and when WeChat says
// a token went stale it reports that token once (compare-and-refresh) and
// retries. CloudBase is reached through the WeChat HTTP API:
// invokecloudfunction for the "todo" function's routes, databasequery for
// reads. Users log in with the code of wx.login (jscode2session, which
// takes the AppSecret, not a token); their todos are checked with
// msg_sec_check and announced with a subscribe message.
//
//   TOKEN_SERVER=http://127.0.0.1:8081 TOKEN_SERVER_KEY=... WX_APPID=wx... \
//   WX_SECRET=... ENV_ID=... WECHAT_API=http://127.0.0.1:9800 node server.js
const crypto = require('crypto')
const http = require('http')
const Koa = require('koa')

const cfg = {
  port: Number(process.env.PORT || 3000),
  host: process.env.HOST || '127.0.0.1',
  tokenServer: required('TOKEN_SERVER'),
  tokenKey: required('TOKEN_SERVER_KEY'),
  appid: required('WX_APPID'),
  env: required('ENV_ID'),
  wechat: (process.env.WECHAT_API || 'https://api.weixin.qq.com').replace(/\/$/, ''),
  // Only POST /api/login needs the AppSecret (jscode2session).
  secret: process.env.WX_SECRET || '',
  // The subscribe message template announcing a new todo: keywords thing1
  // (the title) and time2 (when it was added). The default id is accepted
  // only by the emulator: set your own template's id in production.
  templateId: process.env.WX_TEMPLATE_ID || 'todo_added',
  miniprogramState: process.env.WX_MINIPROGRAM_STATE || 'formal',
}

function required(name) {
  const v = process.env[name]
  if (!v) {
    console.error(`koa-backend: ${name} is required`)
    process.exit(2)
  }
  return v
}

// --- access_token from the central server ---------------------------------

async function tokenServer(path, init = {}) {
  const res = await fetch(cfg.tokenServer + path, {
    ...init,
    headers: { Authorization: `Bearer ${cfg.tokenKey}`, 'Content-Type': 'application/json', ...(init.headers || {}) },
  })
  const body = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(`token server ${path}: HTTP ${res.status} ${body.error || ''}`)
  return body.access_token
}

const getToken = () => tokenServer(`/v1/token?appid=${cfg.appid}`)
const refreshToken = (stale) =>
  tokenServer('/v1/token/refresh', { method: 'POST', body: JSON.stringify({ appid: cfg.appid, stale_token: stale }) })

const STALE = new Set([40001, 40014, 42001])

// wechat calls a WeChat API with the current token; on a stale-token
// errcode it reports the token and retries once with the fresh one. An
// image answer (wxacode) comes back as { contentType, body: Buffer }.
async function wechat(path, body) {
  let token = await getToken()
  for (let attempt = 0; ; attempt++) {
    const sep = path.includes('?') ? '&' : '?'
    const res = await fetch(`${cfg.wechat}${path}${sep}access_token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
    const type = res.headers.get('content-type') || ''
    if (res.ok && type.startsWith('image/')) {
      return { contentType: type, body: Buffer.from(await res.arrayBuffer()) }
    }
    const out = await res.json()
    if (out.errcode && STALE.has(out.errcode) && attempt === 0) {
      token = await refreshToken(token)
      continue
    }
    if (out.errcode) throw wechatError(path, out)
    return out
  }
}

function wechatError(path, out) {
  const err = new Error(`${path}: errcode ${out.errcode}: ${out.errmsg}`)
  err.status = 502
  err.errcode = out.errcode
  return err
}

async function callTodo(data) {
  const out = await wechat(`/tcb/invokecloudfunction?env=${cfg.env}&name=todo`, data)
  return JSON.parse(out.resp_data)
}

async function query(statement) {
  const out = await wechat('/tcb/databasequery', { env: cfg.env, query: statement })
  return { pager: out.pager, data: out.data.map((s) => JSON.parse(s)) }
}

// --- users: login, sessions, content checks, messages ------------------------

// Sessions are opaque random tokens mapping to the user, kept in memory
// (use a shared store when running several backends). This backend does
// not need WeChat's session_key, so it keeps it nowhere.
const SESSION_TTL_MS = 24 * 3600 * 1000
const sessions = new Map()

// code2Session exchanges a wx.login code for the user's openid. It takes
// the AppSecret, not an access_token.
async function code2Session(code) {
  if (!cfg.secret) {
    const err = new Error('WX_SECRET is not set: this backend cannot log users in')
    err.status = 503
    throw err
  }
  const q = new URLSearchParams({ appid: cfg.appid, secret: cfg.secret, js_code: code, grant_type: 'authorization_code' })
  const res = await fetch(`${cfg.wechat}/sns/jscode2session?${q}`)
  const out = await res.json()
  if (out.errcode) {
    const err = wechatError('/sns/jscode2session', out)
    // A bad, used or expired code is the caller's problem: log in again.
    if ([40029, 40163, 41008].includes(out.errcode)) err.status = 401
    throw err
  }
  return out
}

function sessionUser(ctx) {
  const id = ctx.get('X-Session')
  const s = id && sessions.get(id)
  if (!s || Date.now() - s.createdAt > SESSION_TTL_MS) {
    if (s) sessions.delete(id)
    ctx.throw(401, 'log in first: POST /api/login, then send the session in X-Session')
  }
  return s
}

// checkContent runs msg_sec_check (version 2) on text a user wrote; it
// throws 422 unless WeChat says "pass".
async function checkContent(text, openid) {
  let out
  try {
    out = await wechat('/wxa/msg_sec_check', { content: text, version: 2, scene: 2, openid })
  } catch (e) {
    // 61010: the user has not opened the mini program for 2 hours; 40003:
    // WeChat does not know them. Either way they should log in again.
    if (e.errcode === 61010 || e.errcode === 40003) e.status = 401
    throw e
  }
  if (out.result.suggest !== 'pass') {
    const err = new Error(`content rejected (${out.result.suggest}, label ${out.result.label})`)
    err.status = 422
    err.body = { error: err.message, suggest: out.result.suggest, label: out.result.label }
    throw err
  }
}

// chinaTime formats a moment as "YYYY-MM-DD HH:MM" in China time, the
// shape of a time keyword.
const chinaTime = (ms) => new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ')

// notifyAdded sends the "todo added" subscribe message. A failure (the
// user did not subscribe: 43101, ...) does not undo the todo; it is
// reported in the answer.
async function notifyAdded(openid, title) {
  try {
    const out = await wechat('/cgi-bin/message/subscribe/send', {
      touser: openid,
      template_id: cfg.templateId,
      page: 'pages/index/index',
      data: {
        thing1: { value: Array.from(title).slice(0, 20).join('') },
        time2: { value: chinaTime(Date.now()) },
      },
      miniprogram_state: cfg.miniprogramState,
      lang: 'zh_CN',
    })
    return { sent: true, msgid: out.msgid }
  } catch (e) {
    return { sent: false, errcode: e.errcode, error: e.message }
  }
}

async function addTodo(ctx) {
  const { title } = await readJSON(ctx)
  if (!ctx.get('X-Session')) {
    // The server itself (no user): no check, no message.
    return callTodo({ $url: 'add', title })
  }
  const user = sessionUser(ctx)
  const text = String(title || '').trim()
  if (text) await checkContent(text, user.openid)
  const added = await callTodo({ $url: 'add', title })
  if (added.ok) added.message = await notifyAdded(user.openid, text)
  return added
}

// --- HTTP ---------------------------------------------------------------------

async function readJSON(ctx, limit = 64 * 1024) {
  let size = 0
  const chunks = []
  for await (const c of ctx.req) {
    size += c.length
    if (size > limit) ctx.throw(413, 'body too large')
    chunks.push(c)
  }
  if (!size) return {}
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (e) {
    ctx.throw(400, 'body is not JSON')
  }
}

const routes = [
  ['GET', /^\/healthz$/, async (ctx) => ({ ok: true })],
  ['GET', /^\/api\/todos$/, async (ctx) => {
    const limit = Math.min(Math.max(parseInt(ctx.query.limit || '20', 10) || 20, 1), 100)
    const { pager, data } = await query(`db.collection("todos").orderBy("createdAt", "desc").limit(${limit}).get()`)
    return { total: pager.Total, todos: data }
  }],
  ['POST', /^\/api\/login$/, async (ctx) => {
    const { code } = await readJSON(ctx)
    if (typeof code !== 'string' || !code) ctx.throw(400, 'code (from wx.login) is required')
    const { openid, unionid } = await code2Session(code)
    const session = crypto.randomBytes(24).toString('base64url')
    sessions.set(session, { openid, unionid, createdAt: Date.now() })
    return { session, openid }
  }],
  ['POST', /^\/api\/phone$/, async (ctx) => {
    const user = sessionUser(ctx)
    const { code } = await readJSON(ctx)
    if (typeof code !== 'string' || !code) ctx.throw(400, 'code (from the getPhoneNumber button) is required')
    let out
    try {
      out = await wechat('/wxa/business/getuserphonenumber', { code })
    } catch (e) {
      if (e.errcode === 40029) e.status = 400
      throw e
    }
    user.phone = out.phone_info.purePhoneNumber
    return { phoneNumber: out.phone_info.phoneNumber, countryCode: out.phone_info.countryCode }
  }],
  ['GET', /^\/api\/wxacode$/, async (ctx) => {
    const scene = String(ctx.query.scene || '')
    if (!scene) ctx.throw(400, 'scene is required (at most 32 characters)')
    let img
    try {
      img = await wechat('/wxa/getwxacodeunlimit', { scene, page: 'pages/index/index', width: 430, check_path: false })
    } catch (e) {
      if (e.errcode === 40169 || e.errcode === 40129) e.status = 400 // a bad scene
      throw e
    }
    if (!img.body) ctx.throw(502, 'getwxacodeunlimit answered no image')
    ctx.type = img.contentType
    return img.body
  }],
  ['POST', /^\/api\/todos$/, addTodo],
  ['POST', /^\/api\/todos\/([A-Za-z0-9_-]{1,64})\/done$/, async (ctx, m) => callTodo({ $url: 'done', id: m[1] })],
  ['GET', /^\/api\/stats$/, async () => callTodo({ $url: 'stats' })],
  ['GET', /^\/api\/whoami$/, async () => callTodo({ $url: 'whoami' })],
]

const app = new Koa()
app.use(async (ctx) => {
  for (const [method, re, handler] of routes) {
    const m = ctx.path.match(re)
    if (m && ctx.method === method) {
      try {
        ctx.body = await handler(ctx, m)
      } catch (e) {
        ctx.status = e.status || 500
        ctx.body = e.body || { error: e.message, errcode: e.errcode }
      }
      return
    }
  }
  ctx.status = 404
  ctx.body = { error: `no route ${ctx.method} ${ctx.path}` }
})

const server = http.createServer(app.callback())
server.listen(cfg.port, cfg.host, () => {
  const { port } = server.address()
  console.log(`koa-backend listening on http://${cfg.host}:${port}`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
