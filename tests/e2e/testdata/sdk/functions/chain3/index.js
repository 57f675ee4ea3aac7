// Last of three functions calling each other.
const cloud = require('wx-server-sdk')

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })

exports.main = async (event) => ({ fn: 'chain3', hop: event.hop, ctx: cloud.getWXContext() })
