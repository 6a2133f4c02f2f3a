// Writes the two committed spec excerpts the fakes are checked against (see README.md beside this file):
// only the operations the fakes serve, and every component they reference, so a test process loads a few
// hundred kilobytes instead of GitHub's 13 MB description.
//
//   node test/support/specs/strip-specs.mjs github
//   node test/support/specs/strip-specs.mjs gitea <v1_json.tmpl of go-gitea/gitea at v1.22.6>
//
// then `npx prettier --write test/support/specs/*.json`. __tests__/support/spec-excerpts.test.ts checks that the
// GitHub excerpt is still what this script cuts from the installed @octokit/openapi.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

/** The operations the fake GitHub serves (test/support/fake-github.ts), by path template and method. */
export const GITHUB_OPERATIONS = {
  '/repos/{owner}/{repo}': ['get'],
  '/repos/{owner}/{repo}/git/ref/{ref}': ['get'],
  '/repos/{owner}/{repo}/git/refs': ['post'],
  '/repos/{owner}/{repo}/git/refs/{ref}': ['patch', 'delete'],
  '/repos/{owner}/{repo}/git/commits': ['post'],
  '/repos/{owner}/{repo}/git/commits/{commit_sha}': ['get'],
  '/repos/{owner}/{repo}/commits/{ref}': ['get'],
  '/repos/{owner}/{repo}/commits/{ref}/statuses': ['get'],
  '/repos/{owner}/{repo}/compare/{basehead}': ['get'],
  '/repos/{owner}/{repo}/statuses/{sha}': ['post'],
  '/repos/{owner}/{repo}/deployments': ['post'],
  '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses': ['post']
}

/** The operations the fake Gitea serves (test/support/fake-gitea.ts). */
export const GITEA_OPERATIONS = {
  '/repos/{owner}/{repo}': ['get'],
  '/repos/{owner}/{repo}/branches': ['post'],
  '/repos/{owner}/{repo}/branches/{branch}': ['get', 'delete'],
  '/repos/{owner}/{repo}/tags': ['post'],
  '/repos/{owner}/{repo}/tags/{tag}': ['get', 'delete'],
  '/repos/{owner}/{repo}/git/refs/{ref}': ['get'],
  '/repos/{owner}/{repo}/git/tags/{sha}': ['get'],
  '/repos/{owner}/{repo}/git/commits/{sha}': ['get'],
  '/repos/{owner}/{repo}/commits': ['get'],
  '/repos/{owner}/{repo}/commits/{ref}/statuses': ['get'],
  '/repos/{owner}/{repo}/statuses/{sha}': ['post']
}

/**
 * Gitea's router takes the rest of the path for these (routers/api/v1/api.go at v1.22.6: `/branches/*`, `/tags/*`,
 * `/git/refs/*`), so a branch or tag name may hold slashes; marked as Octokit marks GitHub's (`x-multi-segment`).
 */
const GITEA_MULTI_SEGMENT = {
  '/repos/{owner}/{repo}/branches/{branch}': 'branch',
  '/repos/{owner}/{repo}/tags/{tag}': 'tag',
  '/repos/{owner}/{repo}/git/refs/{ref}': 'ref'
}

export const GITEA_SOURCE = {
  repository: 'https://github.com/go-gitea/gitea',
  tag: 'v1.22.6',
  commit: '8eefa1f6dedf2488db2c9e12c916e8e51f673160',
  path: 'templates/swagger/v1_json.tmpl',
  blob: '42e622096aa83485645a045b70c395b5abe86a81',
  license: 'MIT',
  copyright: 'Copyright (c) 2016 The Gitea Authors; Copyright (c) 2015 The Gogs Authors',
  changes:
    'The Go template placeholders replaced (AppVer by 1.22.6, AppSubUrl by nothing); only the operations fleet-forward uses and the definitions, responses and parameters they reference are kept; x-multi-segment added to the {branch}, {tag} and {ref} parameters that Gitea routes as `/*`.'
}

/** Every `$ref` reachable from `root`, followed through the document. */
function collectRefs(document, root) {
  const seen = new Set()
  const stack = [root]
  while (stack.length) {
    const node = stack.pop()
    if (Array.isArray(node)) stack.push(...node)
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && !seen.has(value)) {
          seen.add(value)
          stack.push(resolvePointer(document, value))
        } else stack.push(value)
      }
    }
  }
  return seen
}

function resolvePointer(document, ref) {
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((node, part) => node[part], document)
}

/** The document with only `operations` in `paths` and only the referenced entries of each component section. */
function strip(document, operations, sections) {
  const paths = {}
  for (const [template, methods] of Object.entries(operations)) {
    const item = document.paths[template]
    if (!item) throw new Error(`${template} is not in the description`)
    paths[template] = Object.fromEntries(Object.entries(item).filter(([key]) => key === 'parameters' || methods.includes(key)))
    for (const method of methods) if (!item[method]) throw new Error(`${method.toUpperCase()} ${template} is not in the description`)
  }
  const refs = collectRefs(document, paths)
  const kept = {}
  for (const section of sections) {
    const prefix = `#/${section.join('/')}/`
    const source = section.reduce((node, part) => node?.[part], document) ?? {}
    const names = [...refs].filter((ref) => ref.startsWith(prefix)).map((ref) => ref.slice(prefix.length).replace(/~1/g, '/').replace(/~0/g, '~'))
    let target = kept
    for (const part of section.slice(0, -1)) target = target[part] ??= {}
    target[section.at(-1)] = Object.fromEntries(names.sort().map((name) => [name, source[name]]))
  }
  return { paths, kept }
}

/** Response examples say nothing a validator uses and are most of the size. */
function dropExamples(node) {
  if (Array.isArray(node)) return node.map(dropExamples)
  if (!node || typeof node !== 'object') return node
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'examples')
      .map(([key, value]) => [key, dropExamples(value)])
  )
}

export function githubExcerpt() {
  const require = createRequire(import.meta.url)
  const document = require('@octokit/openapi/generated/api.github.com.json')
  const { version } = require('@octokit/openapi/package.json')
  const sections = ['schemas', 'parameters', 'responses', 'headers'].map((s) => ['components', s])
  const { paths, kept } = strip(document, GITHUB_OPERATIONS, sections)
  return dropExamples({
    openapi: document.openapi,
    info: { ...document.info, 'x-source': { package: '@octokit/openapi', version, file: 'generated/api.github.com.json', license: 'MIT' } },
    servers: document.servers,
    paths,
    components: kept.components
  })
}

export function giteaExcerpt(templatePath) {
  const text = readFileSync(templatePath, 'utf8')
    .replace(/\{\{AppVer \| JSEscape\}\}/g, '1.22.6')
    .replace(/\{\{AppSubUrl \| JSEscape\}\}/g, '')
  if (text.includes('{{')) throw new Error('a template placeholder is left: the converter knows only AppVer and AppSubUrl')
  const document = JSON.parse(text)
  const { paths, kept } = strip(document, GITEA_OPERATIONS, [['definitions'], ['responses'], ['parameters']])
  for (const [template, name] of Object.entries(GITEA_MULTI_SEGMENT)) {
    for (const operation of Object.values(paths[template])) {
      for (const parameter of operation.parameters ?? []) if (parameter.in === 'path' && parameter.name === name) parameter['x-multi-segment'] = true
    }
  }
  return {
    swagger: document.swagger,
    info: { ...document.info, 'x-source': GITEA_SOURCE },
    basePath: document.basePath,
    consumes: document.consumes,
    produces: document.produces,
    paths,
    definitions: kept.definitions,
    responses: kept.responses,
    parameters: kept.parameters
  }
}

export const GITHUB_EXCERPT = join(here, 'github-api.github.com.json')
export const GITEA_EXCERPT = join(here, 'gitea-1.22.6-swagger.json')

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [which, templatePath] = process.argv.slice(2)
  if (which === 'github') writeFileSync(GITHUB_EXCERPT, `${JSON.stringify(githubExcerpt(), null, 2)}\n`)
  else if (which === 'gitea' && templatePath) writeFileSync(GITEA_EXCERPT, `${JSON.stringify(giteaExcerpt(templatePath), null, 2)}\n`)
  else throw new Error('usage: strip-specs.mjs github | gitea <path of templates/swagger/v1_json.tmpl>')
}
