module.exports = () => require('./jest-temp-dir.cjs').teardown()
