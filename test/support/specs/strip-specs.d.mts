// Types of strip-specs.mjs, for the tests that check the committed excerpts against it.
export declare const GITHUB_OPERATIONS: Readonly<Record<string, readonly string[]>>
export declare const GITEA_OPERATIONS: Readonly<Record<string, readonly string[]>>
export declare const GITEA_SOURCE: Readonly<Record<string, string>>
export declare const GITHUB_EXCERPT: string
export declare const GITEA_EXCERPT: string
export declare function githubExcerpt(): unknown
export declare function giteaExcerpt(templatePath: string): unknown
