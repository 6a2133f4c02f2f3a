import { launch } from './guard.js'

launch(() => import('../action/main.js').then((main) => main.run()))
