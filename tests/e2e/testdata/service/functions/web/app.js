// A koa app, deployed as a web function (--httpFn): scf_bootstrap starts it
// and it listens on the port the platform gives.
const Koa = require('koa');
const app = new Koa();
app.use(async (ctx) => {
  if (ctx.path.endsWith('/stream')) {
    ctx.type = 'text/plain';
    const { PassThrough } = require('stream');
    const s = new PassThrough();
    ctx.body = s;
    let i = 0;
    const t = setInterval(() => { s.write(`line ${i}\n`); if (++i === 5) { clearInterval(t); s.end(); } }, 20);
    return;
  }
  let n = 0;
  for await (const c of ctx.req) n += c.length;
  ctx.set('x-powered-by-koa', 'yes');
  ctx.body = { koa: true, method: ctx.method, url: ctx.url, received: n, env: process.env.TCB_ENV };
});
app.listen(process.env.PORT || 9000);
