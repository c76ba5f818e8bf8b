const test = require('node:test');
const assert = require('node:assert');

const { sum } = require('../index.js');

test('sum adds numbers and numeric strings', () => {
  assert.strictEqual(sum([1, '2', 3.5]), 6.5);
});

test('sum skips what is not a number', () => {
  assert.strictEqual(sum(['one', '', ' ', null, NaN, 4]), 4);
});

test('sum of nothing is 0', () => {
  assert.strictEqual(sum([]), 0);
});
