// Applies the named mutations of mutants.mjs at bundle time (run.mjs), so no copy of a source file exists.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** Every mutation must find its text exactly once; returns what is wrong, one line per mutation. */
export function staleMutations(mutants, root) {
  const problems = []
  for (const mutant of mutants) {
    const occurrences = readFileSync(join(root, mutant.file), 'utf8').split(mutant.find).length - 1
    if (occurrences !== 1)
      problems.push(`mutant '${mutant.name}': ${mutant.file} contains its text ${occurrences} times, not once: ${JSON.stringify(mutant.find)}`)
  }
  return problems
}

/** esbuild plugin: serves the mutated text of the one file the mutation targets. */
export function mutationPlugin(mutant, root) {
  const target = join(root, mutant.file)
  return {
    name: 'sim-mutant',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (resolve(args.path) !== target) return undefined
        return { contents: readFileSync(target, 'utf8').replace(mutant.find, () => mutant.replace), loader: 'ts' }
      })
    }
  }
}
