// A greeting that shows the event, the context and a configured variable.
exports.main = async (event, context) => {
  console.log('hello invoked with', JSON.stringify(event));
  return {
    message: `${process.env.GREETING || 'Hi'}, ${event.name || 'stranger'}!`,
    requestId: context.request_id,
    env: process.env.TCB_ENV,
  };
};
