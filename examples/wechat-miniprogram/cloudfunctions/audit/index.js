// The end of the chain todo -> notify -> audit: an append-only log of who
// did what, and through which path (SOURCE, e.g. "wx_client,scf,scf").
const cloud = require('wx-server-sdk')

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })
const db = cloud.database()

exports.main = async (event) => {
  const { OPENID, SOURCE } = cloud.getWXContext()
  const { _id } = await db.collection('audit').add({
    data: { action: event.action, ref: event.ref, by: OPENID || null, source: SOURCE, at: db.serverDate() },
  })
  return { auditId: _id, source: SOURCE }
}
