import { launch } from './guard.js'

launch(() => import('../cli/main.js').then((cli) => cli.main()))
