'use strict'
// The bundle's `undici`: only the dispatchers and the request API it uses. undici's own index also
// loads fetch, WebSocket, EventSource, caches and mocks, which are half of its code and most of the
// action's start-up time. The version is pinned in package.json; the runner-style tests of dist/
// exercise every path that goes through this module.
const Dispatcher = require('../node_modules/undici/lib/dispatcher/dispatcher.js')
const Agent = require('../node_modules/undici/lib/dispatcher/agent.js')
const Pool = require('../node_modules/undici/lib/dispatcher/pool.js')
const Client = require('../node_modules/undici/lib/dispatcher/client.js')
const ProxyAgent = require('../node_modules/undici/lib/dispatcher/proxy-agent.js')
const api = require('../node_modules/undici/lib/api/index.js')
const { getGlobalDispatcher, setGlobalDispatcher } = require('../node_modules/undici/lib/global.js')
// Octokit's `request.fetch` (src/forge/octokit.ts): undici's own fetch, so it takes the injected dispatcher.
const { fetch: undiciFetch } = require('../node_modules/undici/lib/web/fetch/index.js')

// As undici's index does: every dispatcher gets request(), stream(), pipeline(), connect(), upgrade().
Object.assign(Dispatcher.prototype, api)

/** `request(url, options)` as the sources call it: a string URL, options with an optional dispatcher. */
function request(url, options = {}) {
  const { dispatcher = getGlobalDispatcher(), ...rest } = options
  const target = new URL(url)
  return dispatcher.request({ ...rest, origin: target.origin, path: `${target.pathname}${target.search}`, method: rest.method || 'GET' })
}

module.exports = { Dispatcher, Agent, Pool, Client, ProxyAgent, request, fetch: undiciFetch, getGlobalDispatcher, setGlobalDispatcher }
