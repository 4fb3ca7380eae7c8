// Shared jest settings: SWC transforms TypeScript (with decorator metadata for NestJS),
// @weft/* imports resolve to library sources, and integration tests get real Kafka/Postgres.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const root = __dirname;
const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace('/', '\\/')}$`,
    path.join(root, target),
  ]),
);

/** @param {string} projectDir @param {{ integration?: boolean }} [opts] */
function project(projectDir, opts = {}) {
  const name = path.relative(root, projectDir);
  return {
    displayName: name,
    rootDir: projectDir,
    testEnvironment: 'node',
    transform: {
      '^.+\\.(t|j)s$': ['@swc/jest', { ...require('./swc.jest.js') }],
    },
    moduleNameMapper,
    // ESM-only packages reached through CommonJS requires (Node loads them natively; jest needs them transformed).
    transformIgnorePatterns: ['/node_modules/(?!(content-disposition|uuid|thrift/node_modules/uuid)/)'],
    moduleFileExtensions: ['ts', 'js', 'json'],
    testMatch: ['<rootDir>/**/*.spec.ts', '<rootDir>/**/*.int-spec.ts'],
    ...opts,
  };
}

module.exports = { project };
