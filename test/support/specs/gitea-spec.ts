/**
 * The fake Gitea's rules: exchanges against Gitea 1.22.6's own Swagger 2.0 description
 * (go-gitea/gitea, templates/swagger/v1_json.tmpl at v1.22.6, cut to the operations the fake serves in
 * gitea-1.22.6-swagger.json; see README.md beside this file). Where the 1.22.6 server answers otherwise than its
 * description says, the handler's source is cited and the server's answer is what the fake sends.
 */
import { resolve } from 'node:path'
import { refTo, specValidator, type SpecRules, type SpecValidator } from './spec-validator.js'

const SOURCE = 'go-gitea/gitea@v1.22.6'

const RULES: SpecRules = {
  name: 'the Gitea 1.22.6 swagger description',
  // The description's error responses (error, validationError, forbidden, …) carry no schema; the body Gitea
  // writes for every ctx.Error is APIError {message, url} (modules/structs, services/context/api.go).
  errorSchema: refTo('#/definitions/APIError'),
  generic: [
    { status: 401, cite: `${SOURCE} routers/api/v1/api.go reqToken(): ctx.Error(http.StatusUnauthorized, "reqToken", "token is required")` },
    {
      status: 422,
      cite: `${SOURCE} routers/api/v1/api.go bind(): a body that fails its binding rules (e.g. CreateBranchRepoOption's new_branch_name "Required") answers 422 validationError`,
      when: (exchange) => exchange.method !== 'GET'
    }
  ],
  errata: [
    {
      operation: 'repoCreateTag',
      status: 201,
      cite: `${SOURCE} routers/api/v1/repo/tag.go CreateTag: ctx.JSON(http.StatusCreated, convert.ToTag(…)) (the description declares 200)`,
      schema: refTo('#/definitions/Tag')
    },
    {
      operation: 'repoListGitRefs',
      status: 200,
      cite: `${SOURCE} routers/api/v1/repo/git_ref.go getGitRefsInternal: "If single reference is found and it matches filter exactly return it as object" (the description declares a list)`,
      schema: { anyOf: [refTo('#/responses/ReferenceList/schema'), refTo('#/definitions/Reference')] }
    },
    {
      operation: 'repoCreateStatus',
      status: 500,
      cite: `${SOURCE} routers/api/v1/repo/status.go NewCommitStatus: a SHA git cannot find fails CreateCommitStatus → ctx.Error(http.StatusInternalServerError, "CreateCommitStatus", err)`
    },
    {
      operation: 'repoGetAllCommits',
      status: 500,
      cite: `${SOURCE} routers/api/v1/repo/commits.go GetAllCommits: a \`not\` git cannot resolve fails GetCommitsCount → ctx.Error(http.StatusInternalServerError, "GetCommitsCount", err)`
    }
  ]
}

export function giteaSpec(): SpecValidator {
  return specValidator(resolve('test/support/specs/gitea-1.22.6-swagger.json'), RULES)
}
