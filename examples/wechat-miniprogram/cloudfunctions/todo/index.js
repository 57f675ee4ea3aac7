// One function, several routes (tcb-router): the mini program calls it with
// { $url: 'add' | 'list' | 'done' | 'remove' | 'stats' | 'whoami', ... }.
// A mini-program user sees and changes only their own todos; a server
// calling through the WeChat HTTP API (no OPENID) sees all of them.
const cloud = require('wx-server-sdk')
const TcbRouter = require('tcb-router')

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })
const db = cloud.database()
const _ = db.command
const $ = _.aggregate
const todos = db.collection('todos')

exports.main = async (event) => {
  const app = new TcbRouter({ event })
  const { OPENID } = cloud.getWXContext()
  const mine = (cond) => (OPENID ? { ...cond, owner: OPENID } : cond)

  // Runs before every route ("*" middleware): the answer when no route
  // matches.
  app.use(async (ctx, next) => {
    ctx.body = { ok: false, error: `unknown route ${JSON.stringify(event.$url)}` }
    await next()
  })

  app.router('add', async (ctx) => {
    const title = String(event.title || '').trim()
    if (!title || title.length > 200) {
      ctx.body = { ok: false, error: 'a title of 1 to 200 characters is required' }
      return
    }
    const { _id } = await todos.add({
      data: { title, done: false, owner: OPENID || 'server', createdAt: db.serverDate() },
    })
    const { result } = await cloud.callFunction({ name: 'notify', data: { kind: 'added', todoId: _id, title } })
    ctx.body = { ok: true, _id, notified: result }
  })

  app.router('list', async (ctx) => {
    const { data } = await todos.where(mine({})).orderBy('createdAt', 'desc').limit(100).get()
    ctx.body = { ok: true, todos: data }
  })

  app.router('done', async (ctx) => {
    const { stats } = await todos.where(mine({ _id: String(event.id), done: false }))
      .update({ data: { done: true, doneAt: db.serverDate() } })
    if (stats.updated === 1) {
      await cloud.callFunction({ name: 'notify', data: { kind: 'done', todoId: event.id } })
    }
    ctx.body = { ok: stats.updated === 1, updated: stats.updated }
  })

  app.router('remove', async (ctx) => {
    const { stats } = await todos.where(mine({ _id: String(event.id) })).remove()
    ctx.body = { ok: stats.removed === 1, removed: stats.removed }
  })

  app.router('stats', async (ctx) => {
    const { list } = await todos.aggregate()
      .match(mine({}))
      .group({ _id: '$done', count: $.sum(1) })
      .sort({ _id: 1 })
      .project({ _id: 0, done: '$_id', count: 1 })
      .end()
    ctx.body = { ok: true, stats: list }
  })

  app.router('whoami', async (ctx) => {
    ctx.body = { ok: true, context: cloud.getWXContext() }
  })

  return app.serve()
}
