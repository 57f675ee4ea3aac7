// Tencent's own Node clients against the emulator: the Cloud API SDK
// (CommonClient and the typed scf client) and @cloudbase/manager-node.
// Prints one JSON report; the Go test asserts on it.
//   ENDPOINT=127.0.0.1:PORT SECRET_ID=.. SECRET_KEY=.. ENV_ID=.. FUNCTION=.. node clients.js
const { ENDPOINT, SECRET_ID, SECRET_KEY, ENV_ID, FUNCTION } = process.env
delete process.env.http_proxy // both SDKs tunnel through it when set
delete process.env.HTTP_PROXY

const { CommonClient } = require('tencentcloud-sdk-nodejs-common')
const ScfClient = require('tencentcloud-sdk-nodejs-scf').scf.v20180416.Client
const CloudBase = require('@cloudbase/manager-node')

const profile = { httpProfile: { endpoint: ENDPOINT, protocol: 'http://' } }
const credential = { secretId: SECRET_ID, secretKey: SECRET_KEY }

async function attempt(fn) {
  try {
    return { ok: true, value: await fn() }
  } catch (e) {
    return { ok: false, code: e.code || null, message: String(e.message || e) }
  }
}

;(async () => {
  const report = {}
  const tcb = new CommonClient('tcb.tencentcloudapi.com', '2018-06-08', { credential, region: 'ap-shanghai', profile })
  report.commonEnvs = await attempt(async () => (await tcb.request('DescribeEnvs', {})).EnvList.map((e) => e.EnvId))

  const scf = new ScfClient({ credential, region: 'ap-shanghai', profile })
  report.scfList = await attempt(async () => (await scf.ListFunctions({ Namespace: ENV_ID })).Functions.map((f) => f.FunctionName))
  report.scfInvoke = await attempt(async () => {
    const r = await scf.Invoke({ FunctionName: FUNCTION, Namespace: ENV_ID, ClientContext: JSON.stringify({ from: 'scf-sdk' }), LogType: 'Tail' })
    return JSON.parse(r.Result.RetMsg)
  })

  const wrong = new CommonClient('tcb.tencentcloudapi.com', '2018-06-08', {
    credential: { secretId: SECRET_ID, secretKey: SECRET_KEY + 'x' }, region: 'ap-shanghai', profile,
  })
  report.wrongKey = await attempt(() => wrong.request('DescribeEnvs', {}))

  process.env.TCB_BASE_URL = 'http://' + ENDPOINT // manager-node's tcb endpoint
  const app = new CloudBase({ secretId: SECRET_ID, secretKey: SECRET_KEY, envId: ENV_ID, region: 'ap-shanghai' })
  report.managerEnvs = await attempt(async () => (await app.env.listEnvs()).EnvList.map((e) => e.EnvId))
  report.managerFunctions = await attempt(async () => (await app.functions.listFunctions()).map((f) => f.FunctionName))
  const badApp = new CloudBase({ secretId: SECRET_ID, secretKey: 'not-the-key', envId: ENV_ID, region: 'ap-shanghai' })
  report.managerWrongKey = await attempt(() => badApp.env.listEnvs())

  console.log(JSON.stringify(report))
})().catch((e) => {
  console.error(e)
  process.exit(1)
})
