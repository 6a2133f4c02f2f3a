import type { Mutant } from './mutants.mjs'

export function staleMutations(mutants: readonly Mutant[], root: string): string[]
export function mutationPlugin(mutant: Mutant, root: string): unknown
