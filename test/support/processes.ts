import { execFileSync } from 'node:child_process'

/**
 * Processes of a process group that still run. A killed child whose parent died lingers as a zombie
 * where nothing reaps orphans (some containers), so zombies do not count.
 */
export function liveProcesses(pgid: number): string[] {
  return execFileSync('ps', ['-eo', 'pgid=,stat=,comm='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([group, stat]) => Number(group) === pgid && !stat?.startsWith('Z'))
    .map((fields) => fields.join(' '))
}
