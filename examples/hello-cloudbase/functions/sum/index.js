// Adds the numeric values of event.numbers, using an npm dependency that
// the cloud (or the emulator) installs on deploy.
const isNumber = require('is-number');

exports.main = async (event) => {
  const values = Array.isArray(event.numbers) ? event.numbers : [];
  const numbers = values.filter((v) => isNumber(v)).map(Number);
  return {
    sum: numbers.reduce((a, b) => a + b, 0),
    ignored: values.length - numbers.length,
  };
};
