/**
 * Runs `work` over `items` with at most `workers` calls in flight: a fixed set of workers pulls from
 * the array, so 10,000 items never mean 10,000 pending sockets. Stops taking new items once `signal`
 * aborts; items already started finish (or abort) on their own.
 */
export async function forEachBounded<T>(items: readonly T[], workers: number, work: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      await work(items[next++])
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, items.length)) }, worker))
}
