// Jest decorates console output with stack locations; oclif writes through console.log.
import {Console} from 'node:console'

globalThis.console = new Console({stdout: process.stdout, stderr: process.stderr})
