// Fails on purpose, with the message it is given.
exports.main = async (event) => {
  throw new Error(event.msg || 'thrown')
}
