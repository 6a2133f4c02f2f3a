/** One named source mutation: `find` (exactly once in `file`) becomes `replace`, switching `rule` off. */
export interface Mutant {
  readonly name: string
  readonly rule: string
  readonly file: string
  readonly find: string
  readonly replace: string
  /** A pattern matching the violation the checker reports when this rule is off. */
  readonly finding: string
  /** The checker finds it in these seeds (first and last, inclusive), or in the named case `foundBy`. */
  readonly foundIn?: readonly [number, number]
  readonly foundBy?: string
}

export const MUTANTS: readonly Mutant[]
