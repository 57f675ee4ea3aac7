// The event function behind `tcb service create -p /api -f echo`: it
// answers according to the request path.
const crypto = require('crypto');

exports.main = async (event) => {
  const p = event.path;
  const body = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body || '', 'utf8');
  const sha = crypto.createHash('sha256').update(body).digest('hex');
  if (p.endsWith('/throw')) throw new Error('boom from echo');
  if (p.endsWith('/sleep')) { await new Promise(r => setTimeout(r, 5000)); return 'late'; }
  if (p.endsWith('/text')) return 'hello gateway';
  if (p.endsWith('/mirror')) {
    // Binary download: the body back, base64 in the integration response.
    return { statusCode: 200, isBase64Encoded: true, body: body.toString('base64'),
      headers: { 'content-type': 'application/octet-stream', 'x-sha256': sha } };
  }
  if (p.endsWith('/status')) return { statusCode: 418, headers: { 'x-teapot': 'yes', 'set-cookie': ['a=1', 'b=2'] }, body: 'short and stout' };
  if (p.endsWith('/inject')) return { statusCode: 200, headers: { 'x-evil': 'a\r\nSet-Cookie: pwned=1' }, body: 'no' };
  if (p.endsWith('/huge')) return 'x'.repeat(7 * 1024 * 1024);
  return { path: p, method: event.httpMethod, query: event.queryStringParameters, headers: event.headers,
    isBase64Encoded: event.isBase64Encoded, length: body.length, sha256: sha, envId: event.requestContext.envId };
};
