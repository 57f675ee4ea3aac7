// Node's own fetch against the HTTP access service: prints one JSON line
// of what came back. Usage: node fetch.mjs BASE_URL
const base = process.argv[2];
const out = {};
let r = await fetch(base + '/api/items?x=1&y=two', { method: 'PUT', headers: { 'x-custom': 'v1', 'content-type': 'application/json' }, body: JSON.stringify({ a: 1 }) });
out.put = { status: r.status, json: await r.json() };
const bin = new Uint8Array(256 * 1024);
for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919) & 0xff;
r = await fetch(base + '/api/mirror', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bin });
const back = new Uint8Array(await r.arrayBuffer());
out.mirror = { status: r.status, type: r.headers.get('content-type'), same: back.length === bin.length && back.every((b, i) => b === bin[i]) };
r = await fetch(base + '/api/throw');
out.throw = { status: r.status, json: await r.json() };
r = await fetch(base + '/koa/hello?q=1', { method: 'POST', body: 'abc' });
out.koa = { status: r.status, koaHeader: r.headers.get('x-powered-by-koa'), json: await r.json() };
console.log(JSON.stringify(out));
