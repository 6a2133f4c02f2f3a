/** One named source mutation: `find` (exactly once in `file`) becomes `replace`, switching `rule` off. */
export interface Mutant {
  readonly name: string
  readonly rule: string
  readonly file: string
  readonly find: string
  readonly replace: string
}

export const MUTANTS: readonly Mutant[]
