// package.json and the platform packages (npm/<platform>/) agree: every target has its
// package, each listed in optionalDependencies at the main package's version.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const main = require('../package.json');
const platforms = fs.readdirSync(path.join(root, 'npm')).sort();

test('one platform package per napi target, listed in optionalDependencies at our version', () => {
  assert.equal(platforms.length, main.napi.targets.length);
  const expected = Object.fromEntries(platforms.map((platform) => [`portplan-${platform}`, main.version]));
  assert.deepEqual(main.optionalDependencies, expected);
});

test('each platform package names its own addon, os, cpu and libc', () => {
  for (const platform of platforms) {
    const manifest = require(path.join(root, 'npm', platform, 'package.json'));
    const [os, cpu, abi] = platform.split('-');
    assert.equal(manifest.name, `portplan-${platform}`);
    assert.equal(manifest.version, main.version);
    assert.equal(manifest.main, `portplan.${platform}.node`);
    assert.deepEqual(manifest.files, [`portplan.${platform}.node`]);
    assert.deepEqual(manifest.os, [os]);
    assert.deepEqual(manifest.cpu, [cpu]);
    if (os === 'linux') assert.deepEqual(manifest.libc, [abi === 'musl' ? 'musl' : 'glibc']);
    assert.deepEqual(manifest.repository, main.repository);
    assert.equal(manifest.license, main.license);
  }
});

test('the declared platforms: Linux x64/arm64 gnu and musl, macOS x64/arm64, Windows x64/arm64', () => {
  assert.deepEqual(platforms, [
    'darwin-arm64',
    'darwin-x64',
    'linux-arm64-gnu',
    'linux-arm64-musl',
    'linux-x64-gnu',
    'linux-x64-musl',
    'win32-arm64-msvc',
    'win32-x64-msvc',
  ]);
});
