// One cloud function, several routes (tcb-router). The mini program calls it
// with { $url: 'hello', name } or { $url: 'whoami' }.
const cloud = require('wx-server-sdk')
const TcbRouter = require('tcb-router')

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })

exports.main = async (event) => {
  const app = new TcbRouter({ event })

  app.use(async (ctx, next) => {
    ctx.body = { ok: false, error: `unknown route ${JSON.stringify(event.$url)}` }
    await next()
  })

  app.router('hello', async (ctx) => {
    const name = String(event.name || 'world').slice(0, 100)
    ctx.body = { ok: true, message: `Hello, ${name}!` }
  })

  app.router('whoami', async (ctx) => {
    const { OPENID, APPID, ENV, SOURCE } = cloud.getWXContext()
    ctx.body = { ok: true, OPENID, APPID, ENV, SOURCE }
  })

  return app.serve()
}
