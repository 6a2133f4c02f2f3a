// Preloaded (node --require) into a runner-style process: its clock runs FF_TEST_CLOCK_SKEW_MS off the
// real one, as on a runner whose clock is wrong. The action reads time through Date.now only.
const skewMs = Number(process.env.FF_TEST_CLOCK_SKEW_MS || 0)
const realNow = Date.now
Date.now = () => realNow() + skewMs
