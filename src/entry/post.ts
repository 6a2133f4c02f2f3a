import { launch } from './guard.js'

launch(() => import('../action/post.js').then((post) => post.runPost()))
