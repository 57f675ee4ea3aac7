// Second of three functions calling each other: each reports what
// getWXContext() says and what the next one returned.
const cloud = require('wx-server-sdk')

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })

exports.main = async (event) => {
  const next = await cloud.callFunction({ name: 'chain3', data: { hop: event.hop + 1 } })
  return { fn: 'chain2', hop: event.hop, ctx: cloud.getWXContext(), next: next.result }
}
