// Run by a timer trigger: records how it was started.
const cloud = require('wx-server-sdk')

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })
const db = cloud.database()

exports.main = async (event) => {
  const ctx = cloud.getWXContext()
  await db.collection('ticks').add({
    data: { trigger: process.env.TRIGGER_SRC || null, source: ctx.SOURCE || null, type: event.Type, name: event.TriggerName, at: db.serverDate() },
  })
  return 'ok'
}
