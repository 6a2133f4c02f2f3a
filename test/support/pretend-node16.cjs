// Preloaded with --require: the process reports the Node of an old act_runner job image.
Object.defineProperty(process, 'version', { value: 'v16.20.2' })
