// Called by "todo" with cloud.callFunction: records a notification for the
// user who made the change (the caller's OPENID is passed on), then has
// "audit" log it.
const cloud = require('wx-server-sdk')

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })
const db = cloud.database()

exports.main = async (event) => {
  const { OPENID, SOURCE } = cloud.getWXContext()
  const { _id } = await db.collection('notifications').add({
    data: { kind: event.kind, todoId: event.todoId, title: event.title || null, to: OPENID || null, source: SOURCE, at: db.serverDate() },
  })
  const { result } = await cloud.callFunction({ name: 'audit', data: { action: 'notify.' + event.kind, ref: _id } })
  return { notificationId: _id, audit: result }
}
