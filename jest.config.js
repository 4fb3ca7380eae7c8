// Every project's own jest.config.js, run together so jest spreads test files over both cores.
const fs = require('node:fs');
const path = require('node:path');

const projects = ['apps', 'libs'].flatMap((dir) =>
  fs.existsSync(path.join(__dirname, dir))
    ? fs
        .readdirSync(path.join(__dirname, dir))
        .map((name) => path.join(__dirname, dir, name, 'jest.config.js'))
        .filter((file) => fs.existsSync(file))
    : [],
);

module.exports = {
  projects,
  globalSetup: '<rootDir>/libs/testing/src/global-setup.js',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.js',
};
