// Adds up the numbers among its arguments, skipping anything that is not a number.
// is-number comes from package-lock.json: devenv installs it with `npm ci` when it
// builds the image, into /node_modules, where Node finds it from /workspace.
const isNumber = require('is-number');

function sum(values) {
  return values.filter((v) => isNumber(v)).reduce((total, v) => total + Number(v), 0);
}

module.exports = { sum };

if (require.main === module) {
  const args = process.argv.slice(2);
  const values = args.length > 0 ? args : ['1', '2', 'three', '4.5', '', '0x10'];
  console.log(`values: ${JSON.stringify(values)}`);
  console.log(`sum of the numbers: ${sum(values)}`);
  console.log(`node ${process.version}, is-number from ${require.resolve('is-number')}`);
}
