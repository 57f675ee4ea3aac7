// A cloud function: tcb fn invoke hello --params '{"name":"you"}'
exports.main = async (event, context) => {
  const name = typeof event.name === 'string' && event.name.trim() ? event.name.trim() : 'world'
  return {
    message: `Hello, ${name.slice(0, 100)}!`,
    requestId: context.request_id || context.requestId || null,
  }
}
