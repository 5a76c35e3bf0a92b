import {UsageError} from '../errors.js'

/** Commands whose issue has not landed yet say so plainly and exit 2: nothing pretends to work. */
export function notImplemented(command: string): never {
  throw new UsageError(`"kubectl srs ${command}" is not implemented yet`, 'nothing was changed; see the README for the commands that work today')
}
