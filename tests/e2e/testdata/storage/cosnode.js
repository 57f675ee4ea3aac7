// Tencent's Node COS client (cos-nodejs-sdk-v5) against the emulator's
// storage bucket, then the WeChat HTTP API upload flow with Node's own
// fetch and FormData. Prints the checks as a JSON array on the last line.
const COS = require('cos-nodejs-sdk-v5');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [host, port] = process.env.EMULATOR.split(':');
const Bucket = process.env.BUCKET;
const Region = 'ap-shanghai';
const base = `http://${process.env.EMULATOR}`;
const results = [];
const check = (name, ok, got) => results.push({ name, ok: !!ok, got: JSON.stringify(got) });

// The bucket's virtual host, dialled at the emulator's address (Node does
// not resolve *.localhost).
const client = (key) => new COS({
  SecretId: process.env.SECRET_ID,
  SecretKey: key,
  Protocol: 'http:',
  Domain: `{Bucket}.cos.{Region}.localhost:${port}`,
  Ip: `${host}:${port}`,
  ChunkParallelLimit: 3,
});
const cos = client(process.env.SECRET_KEY);
const call = (c, fn, params) => new Promise((resolve, reject) => c[fn](params, (err, data) => (err ? reject(err) : resolve(data))));
const md5 = (b) => crypto.createHash('md5').update(b).digest('hex');

async function main() {
  const put = await call(cos, 'putObject', { Bucket, Region, Key: 'node/a.txt', Body: 'hello node', ContentType: 'text/plain' });
  check('putObject answers the MD5 ETag', put.ETag === `"${md5('hello node')}"`, put.ETag);
  const got = await call(cos, 'getObject', { Bucket, Region, Key: 'node/a.txt' });
  check('getObject returns the bytes', got.Body.toString() === 'hello node', got.Body.toString());
  const head = await call(cos, 'headObject', { Bucket, Region, Key: 'node/a.txt' });
  check('headObject: length and type', head.headers['content-length'] === '10' && head.headers['content-type'] === 'text/plain', head.headers);
  const range = await call(cos, 'getObject', { Bucket, Region, Key: 'node/a.txt', Range: 'bytes=6-9' });
  check('ranged getObject', range.Body.toString() === 'node' && range.statusCode === 206, range.statusCode);
  await call(cos, 'putObject', { Bucket, Region, Key: 'node/kept.txt', Body: 'kept' });
  const list = await call(cos, 'getBucket', { Bucket, Region, Prefix: 'node/' });
  check('getBucket lists the keys', list.Contents.map((o) => o.Key).join(',') === 'node/a.txt,node/kept.txt', list.Contents.map((o) => o.Key));
  const dirs = await call(cos, 'getBucket', { Bucket, Region, Delimiter: '/' });
  check('getBucket with a delimiter', dirs.CommonPrefixes.some((p) => p.Prefix === 'node/'), dirs.CommonPrefixes);

  // sliceUploadFile: a multipart upload of a 5 MB file in 1 MB parts.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cosnode-')), 'slice.bin');
  const big = crypto.randomBytes(5 * 1024 * 1024 + 123);
  fs.writeFileSync(file, big);
  const sliced = await call(cos, 'sliceUploadFile', { Bucket, Region, Key: 'node/slice.bin', FilePath: file, SliceSize: 1024 * 1024, ChunkSize: 1024 * 1024 });
  check('sliceUploadFile completes with a multipart ETag', /-6"?$/.test(sliced.ETag), sliced.ETag);
  const back = await call(cos, 'getObject', { Bucket, Region, Key: 'node/slice.bin' });
  check('the multipart object reads back whole', md5(back.Body) === md5(big), back.Body.length);

  // The multipart calls one by one: init, one part, list, abort.
  const init = await call(cos, 'multipartInit', { Bucket, Region, Key: 'node/parts.bin' });
  await call(cos, 'multipartUpload', { Bucket, Region, Key: 'node/parts.bin', UploadId: init.UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 7) });
  const parts = await call(cos, 'multipartListPart', { Bucket, Region, Key: 'node/parts.bin', UploadId: init.UploadId });
  check('multipartListPart shows the part', parts.Part.length === 1 && parts.Part[0].Size === '1024', parts.Part);
  await call(cos, 'multipartAbort', { Bucket, Region, Key: 'node/parts.bin', UploadId: init.UploadId });
  const uploads = await call(cos, 'multipartList', { Bucket, Region, Prefix: 'node/' });
  check('multipartAbort leaves no upload', (uploads.Upload || []).length === 0, uploads.Upload);

  await call(cos, 'deleteObject', { Bucket, Region, Key: 'node/a.txt' });
  try {
    await call(cos, 'headObject', { Bucket, Region, Key: 'node/a.txt' });
    check('headObject after deleteObject is 404', false, 'found');
  } catch (e) {
    check('headObject after deleteObject is 404', e.statusCode === 404, e.statusCode);
  }
  await call(cos, 'putObject', { Bucket, Region, Key: 'node/tmp1', Body: '1' });
  await call(cos, 'putObject', { Bucket, Region, Key: 'node/tmp2', Body: '2' });
  const multi = await call(cos, 'deleteMultipleObject', { Bucket, Region, Objects: [{ Key: 'node/tmp1' }, { Key: 'node/tmp2' }] });
  check('deleteMultipleObject', multi.Deleted.length === 2, multi);
  try {
    await call(client('not-the-key'), 'putObject', { Bucket, Region, Key: 'node/bad', Body: 'x' });
    check('a wrong SecretKey is refused', false, 'accepted');
  } catch (e) {
    check('a wrong SecretKey is refused', e.code === 'SignatureDoesNotMatch' && e.statusCode === 403, [e.code, e.statusCode]);
  }

  // Hostile input from this client: a range past the end, keys with ../,
  // a NUL byte or too many bytes, tampered and expired signatures.
  const refused = async (name, fn, ok) => {
    try {
      await fn();
      check(name, false, 'accepted');
    } catch (e) {
      check(name, ok(e), [e.statusCode, e.code]);
    }
  };
  await refused('a range past the end is 416 InvalidRange',
    () => call(cos, 'getObject', { Bucket, Region, Key: 'node/kept.txt', Range: 'bytes=100-200' }),
    (e) => e.statusCode === 416 && e.code === 'InvalidRange');
  await refused('a ../ key is refused', () => call(cos, 'putObject', { Bucket, Region, Key: 'node/../../etc/x', Body: 'x' }),
    (e) => e.statusCode === 400 && e.code === 'InvalidURI');
  await refused('a key with NUL is refused', () => call(cos, 'putObject', { Bucket, Region, Key: 'node/nul\u0000x', Body: 'x' }),
    (e) => e.statusCode === 400 && e.code === 'InvalidURI');
  await refused('an 851-byte key is refused', () => call(cos, 'putObject', { Bucket, Region, Key: 'k'.repeat(851), Body: 'x' }),
    (e) => e.statusCode === 400 && e.code === 'KeyTooLong');
  const signer = (edit) => new COS({
    Protocol: 'http:',
    Domain: `{Bucket}.cos.{Region}.localhost:${port}`,
    Ip: `${host}:${port}`,
    getAuthorization: (o, cb) => cb({ Authorization: edit(o) }),
  });
  const sign = (o, extra) => COS.getAuthorization({
    SecretId: process.env.SECRET_ID, SecretKey: process.env.SECRET_KEY,
    Method: o.Method, Pathname: o.Pathname, Query: o.Query, Headers: o.Headers, ...extra,
  });
  const good = await call(signer((o) => sign(o)), 'getObject', { Bucket, Region, Key: 'node/kept.txt' });
  check('a signature made by COS.getAuthorization works', good.Body.toString() === 'kept', good.Body.toString());
  const now = Math.floor(Date.now() / 1000);
  await refused('an expired signature is refused',
    () => call(signer((o) => sign(o, { KeyTime: `${now - 7200};${now - 3600}` })), 'getObject', { Bucket, Region, Key: 'node/kept.txt' }),
    (e) => e.statusCode === 403);
  await refused('a tampered signature is refused',
    () => call(signer((o) => sign(o).replace(/q-signature=(.)/, (m, c) => 'q-signature=' + (c === '0' ? '1' : '0'))), 'getObject', { Bucket, Region, Key: 'node/kept.txt' }),
    (e) => e.statusCode === 403 && e.code === 'SignatureDoesNotMatch');

  // The WeChat HTTP API: uploadfile, then the form POST, then a download URL.
  const post = async (p, body) => (await fetch(base + p, { method: 'POST', body: JSON.stringify(body) })).json();
  const tok = await post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: process.env.WX_APPID, secret: process.env.WX_SECRET });
  const up = await post(`/tcb/uploadfile?access_token=${tok.access_token}`, { env: process.env.ENV_ID, path: 'node/wx-form.txt' });
  check('uploadfile answers the form credentials', up.errcode === 0 && up.url && up.authorization && up.token && up.cos_file_id, up);
  const form = new FormData();
  form.append('key', 'node/wx-form.txt');
  form.append('Signature', up.authorization);
  form.append('x-cos-security-token', up.token);
  form.append('x-cos-meta-fileid', up.cos_file_id);
  form.append('file', new Blob(['posted by a form']), 'wx-form.txt');
  const posted = await fetch(up.url, { method: 'POST', body: form });
  check('the multipart form POST stores the file', posted.status === 204, posted.status);
  const dl = await post(`/tcb/batchdownloadfile?access_token=${tok.access_token}`, { env: process.env.ENV_ID, file_list: [{ fileid: up.file_id, max_age: 60 }] });
  const text = await (await fetch(encodeURI(dl.file_list[0].download_url))).text();
  check('batchdownloadfile gives a working URL', dl.file_list[0].status === 0 && text === 'posted by a form', [dl, text]);
}

main().then(
  () => console.log(JSON.stringify(results)),
  (e) => { check('no exception', false, String(e && (e.stack || e.message || JSON.stringify(e)))); console.log(JSON.stringify(results)); },
);
