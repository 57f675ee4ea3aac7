// @cloudbase/manager-node 5.x against the emulator: env info, collections,
// runCommands, import/export with status, security domains, log search,
// functions listed through tcb and invoked through scf. manager-node's tcb
// calls go to TCB_BASE_URL; its scf calls go to the fixed
// https://scf.tencentcloudapi.com, so they are sent to the emulator through
// CloudService, manager-node's own request path, with the emulator as its
// base URL. Prints one JSON report; the Go test asserts on it.
//   ENDPOINT=127.0.0.1:PORT SECRET_ID=.. SECRET_KEY=.. ENV_ID=.. FUNCTION=.. IMPORT_KEY=.. node manager.js
const { ENDPOINT, SECRET_ID, SECRET_KEY, ENV_ID, FUNCTION, IMPORT_KEY } = process.env
delete process.env.http_proxy
delete process.env.HTTP_PROXY
process.env.TCB_BASE_URL = 'http://' + ENDPOINT

const CloudBase = require('@cloudbase/manager-node')
const { CloudService } = require('@cloudbase/manager-node/lib/utils')

// manager-node edits the bucket's CORS rules on a fixed COS host after
// adding or deleting a domain, without awaiting it; that host is not the
// emulator, so the rejection is recorded here instead of ending the process.
const stray = []
process.on('unhandledRejection', (e) => stray.push(String((e && e.message) || e).slice(0, 200)))

async function attempt(fn) {
  try {
    return { ok: true, value: await fn() }
  } catch (e) {
    return { ok: false, code: e.code || null, message: String(e.message || e) }
  }
}

const until = async (fn, ok) => {
  for (let i = 0; i < 600; i++) {
    const v = await fn()
    if (ok(v)) return v
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('timed out waiting')
}

;(async () => {
  const r = {}
  const app = new CloudBase({ secretId: SECRET_ID, secretKey: SECRET_KEY, envId: ENV_ID, region: 'ap-shanghai' })
  const { env, database: db, functions: fns, logs } = { env: app.env, database: app.database, functions: app.functions, logs: app.log || app.logs }

  r.envInfo = await attempt(async () => {
    const info = (await env.getEnvInfo()).EnvInfo
    return { EnvId: info.EnvId, Status: info.Status, db: !!info.Databases[0].InstanceId, ns: info.Functions[0].Namespace }
  })

  r.createCollection = await attempt(() => db.createCollection('books'))
  r.createIfNotExists = await attempt(async () => (await db.createCollectionIfNotExists('books')).IsCreated)
  r.exists = await attempt(async () => (await db.checkCollectionExists('books')).Exists)
  r.missing = await attempt(async () => (await db.checkCollectionExists('nope')).Exists)
  r.updateCollection = await attempt(() =>
    db.updateCollection('books', {
      CreateIndexes: [{ IndexName: 'by_title', MgoKeySchema: { MgoIndexKeys: [{ Name: 'title', Direction: '1' }], MgoIsUnique: true } }],
    })
  )
  r.indexExists = await attempt(async () => (await db.checkIndexExists('books', 'by_title')).Exists)
  r.describe = await attempt(async () => (await db.describeCollection('books')).Indexes.map((i) => i.Name).sort())
  r.list = await attempt(async () => (await db.listCollections()).Collections.map((c) => c.CollectionName))

  r.runCommands = await attempt(async () => {
    await db.runCommands({
      MgoCommands: [{ TableName: 'books', CommandType: 'INSERT', Command: JSON.stringify({ documents: [{ title: 'a', n: 1 }, { title: 'b', n: 2 }] }) }],
    })
    const q = await db.runCommands({
      MgoCommands: [{ TableName: 'books', CommandType: 'QUERY', Command: JSON.stringify({ filter: { n: { $gt: 1 } } }) }],
    })
    return q.Data[0].map((s) => JSON.parse(s).title)
  })

  r.import = await attempt(async () => {
    await db.createCollection('imported')
    const { JobId } = await db.import('imported', { ObjectKey: IMPORT_KEY }, {})
    const st = await until(() => db.migrateStatus(JobId), (s) => s.Status !== 'waiting')
    return { Status: st.Status, RecordSuccess: st.RecordSuccess, RecordFail: st.RecordFail }
  })
  r.export = await attempt(async () => {
    const { JobId } = await db.export('books', { ObjectKey: 'exports/books.json' }, { Query: JSON.stringify({ n: { $gte: 1 } }) })
    const st = await until(() => db.migrateStatus(JobId), (s) => s.Status !== 'waiting')
    const body = st.FileUrl ? await (await fetch(st.FileUrl)).text() : ''
    return { Status: st.Status, RecordSuccess: st.RecordSuccess, lines: body.trim().split('\n').length }
  })
  r.deleteCollection = await attempt(async () => {
    await db.deleteCollection('imported')
    return (await db.checkCollectionExists('imported')).Exists
  })

  r.domainsBefore = await attempt(async () => (await env.getEnvAuthDomains()).Domains.map((d) => d.Domain))
  r.createDomain = await attempt(() => env.createEnvDomain(['example.com', 'app.example.com']))
  r.domainsAfter = await attempt(async () => (await env.getEnvAuthDomains()).Domains.filter((d) => d.Type === 'user').map((d) => d.Domain))
  r.deleteDomain = await attempt(async () => (await env.deleteEnvDomain(['example.com'])).Deleted)
  r.domainsFinal = await attempt(async () => (await env.getEnvAuthDomains()).Domains.filter((d) => d.Type === 'user').map((d) => d.Domain))

  r.listFunctions = await attempt(async () => (await fns.listFunctions()).map((f) => f.FunctionName))

  // scf through manager-node's request path, at the emulator.
  const scf = new CloudService(app.context || app.cloudBaseContext || fns.environment.cloudBaseContext, 'scf', '2018-04-16')
  Object.defineProperty(scf, 'baseUrl', { get: () => 'http://' + ENDPOINT })
  r.scfInvoke = await attempt(async () => {
    const res = await scf.request('Invoke', { FunctionName: FUNCTION, Namespace: ENV_ID, ClientContext: JSON.stringify({ from: 'manager' }), LogType: 'Tail' })
    return JSON.parse(res.Result.RetMsg)
  })
  r.scfInvokeFunction = await attempt(async () => {
    const res = await scf.request('InvokeFunction', { FunctionName: FUNCTION, Namespace: ENV_ID, Event: JSON.stringify({ from: 'invokeFunction' }) })
    return JSON.parse(res.Result.RetMsg)
  })
  r.scfNamespaces = await attempt(async () => (await scf.request('ListNamespaces', {})).Namespaces.map((n) => n.Name))
  r.scfEventConfig = await attempt(async () => (await scf.request('GetFunctionEventInvokeConfig', { FunctionName: FUNCTION, Namespace: ENV_ID })).AsyncTriggerConfig)
  // invokeFunction itself, with manager-node's scf service pointed at the emulator the same way.
  r.invokeFunction = await attempt(async () => {
    Object.defineProperty(fns.scfService, 'baseUrl', { get: () => 'http://' + ENDPOINT })
    const res = await fns.invokeFunction(FUNCTION, { from: 'invokeFunction-helper' })
    return JSON.parse(res.RetMsg)
  })
  r.createTriggers = await attempt(async () => {
    await fns.createFunctionTriggers(FUNCTION, [{ name: 'nightly', type: 'timer', config: '0 0 2 * * * *' }])
    return (await scf.request('ListTriggers', { FunctionName: FUNCTION, Namespace: ENV_ID })).Triggers.map((t) => t.TriggerName)
  })

  r.searchLogs = await attempt(async () => {
    const fmt = (d) => new Date(d.getTime() + 8 * 3600e3).toISOString().slice(0, 19).replace('T', ' ')
    const now = new Date()
    const res = await logs.searchClsLog({
      queryString: `function_name:"${FUNCTION}"`,
      StartTime: fmt(new Date(now.getTime() - 3600e3)),
      EndTime: fmt(new Date(now.getTime() + 60e3)),
      Limit: 10,
      Sort: 'asc',
    })
    return res.LogResults.Results.map((x) => JSON.parse(x.Content).function_name)
  })

  r.stray = stray
  console.log(JSON.stringify(r))
})().catch((e) => {
  console.error(e)
  process.exit(1)
})
