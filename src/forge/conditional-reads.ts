import { RequestError } from '@octokit/request-error'
import type { Octokit } from '@octokit/rest'
import type { ForgeCallCounter } from './types.js'

type Answer = Awaited<ReturnType<Octokit['request']>>

/**
 * Conditional reads as an Octokit request hook: a GET asked for as `conditional` sends the last ETag of
 * its URL (and media type) as If-None-Match; the 304 that answers it (a RequestError with status 304)
 * returns the cached answer and is counted as `notModified`. On GitHub a 304 does not count against the
 * primary rate limit.
 */
export function conditionalReads(octokit: Octokit, calls: ForgeCallCounter): void {
  const cache = new Map<string, { readonly etag: string; readonly answer: Answer }>()
  octokit.hook.wrap('request', async (request, options) => {
    if (options.method !== 'GET' || options.request.fleetForward?.conditional !== true) return request(options)
    const { url, headers } = octokit.request.endpoint.parse(options)
    const key = `${headers.accept} ${url}`
    const cached = cache.get(key)
    if (cached) options.headers['if-none-match'] = cached.etag
    try {
      const answer = await request(options)
      const etag = answer.headers.etag
      if (etag) cache.set(key, { etag, answer })
      return answer
    } catch (error) {
      if (cached && error instanceof RequestError && error.status === 304) {
        calls.notModified++
        return cached.answer
      }
      throw error
    }
  })
}
