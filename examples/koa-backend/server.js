// A mini program's backend server. It never fetches an access_token itself:
// it asks the central token server (tcb token serve), and when WeChat says
// a token went stale it reports that token once (compare-and-refresh) and
// retries. CloudBase is reached through the WeChat HTTP API:
// invokecloudfunction for the "todo" function's routes, databasequery for
// reads.
//
//   TOKEN_SERVER=http://127.0.0.1:8081 TOKEN_SERVER_KEY=... WX_APPID=wx... \
//   ENV_ID=... WECHAT_API=http://127.0.0.1:9800 node server.js
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
// errcode it reports the token and retries once with the fresh one.
async function wechat(path, body) {
  let token = await getToken()
  for (let attempt = 0; ; attempt++) {
    const sep = path.includes('?') ? '&' : '?'
    const res = await fetch(`${cfg.wechat}${path}${sep}access_token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
    const out = await res.json()
    if (out.errcode && STALE.has(out.errcode) && attempt === 0) {
      token = await refreshToken(token)
      continue
    }
    if (out.errcode) {
      const err = new Error(`${path}: errcode ${out.errcode}: ${out.errmsg}`)
      err.status = 502
      throw err
    }
    return out
  }
}

async function callTodo(data) {
  const out = await wechat(`/tcb/invokecloudfunction?env=${cfg.env}&name=todo`, data)
  return JSON.parse(out.resp_data)
}

async function query(statement) {
  const out = await wechat('/tcb/databasequery', { env: cfg.env, query: statement })
  return { pager: out.pager, data: out.data.map((s) => JSON.parse(s)) }
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
  ['POST', /^\/api\/todos$/, async (ctx) => callTodo({ $url: 'add', title: (await readJSON(ctx)).title })],
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
        ctx.body = { error: e.message }
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
