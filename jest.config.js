import {createDefaultEsmPreset} from 'ts-jest'

// Jest runs in native ESM mode (node --experimental-vm-modules): client-node 1.x, chalk 5 and ora
// are ESM-only. Two projects: unit tests need nothing; e2e tests share one local cluster
// (test/cluster), started once by the e2e project's global setup.
const common = {
  ...createDefaultEsmPreset({tsconfig: 'tsconfig.test.json'}),
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/setup-console.ts'],
  moduleNameMapper: {'^(\\.{1,2}/.*)\\.js$': '$1'},
  testTimeout: 120_000,
}

export default {
  testTimeout: 120_000,
  projects: [
    {...common, displayName: 'unit', roots: ['<rootDir>/test/unit']},
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test/e2e'],
      globalSetup: '<rootDir>/test/e2e/global-setup.ts',
    },
  ],
}
