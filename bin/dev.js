#!/usr/bin/env -S node --import tsx --no-warnings=ExperimentalWarning
// Development entry: runs src/ through tsx without a build (about 2 s slower per call).
import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})
