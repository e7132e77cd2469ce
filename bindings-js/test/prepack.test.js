// `npm pack` never makes a tarball of an unbuilt package: prepack builds it, or refuses.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { tempDir } = require('./helpers.js');

const root = path.join(__dirname, '..');

test('npm pack where the package cannot be built refuses with one line and writes no tarball', () => {
  // The package's manifest and scripts without the Rust sources and without a build.
  const copy = tempDir('portplan-unbuilt-');
  fs.copyFileSync(path.join(root, 'package.json'), path.join(copy, 'package.json'));
  fs.cpSync(path.join(root, 'scripts'), path.join(copy, 'scripts'), { recursive: true });
  fs.cpSync(path.join(root, 'bin'), path.join(copy, 'bin'), { recursive: true });
  const result = spawnSync('npm', ['pack', '--silent'], { cwd: copy, encoding: 'utf8' });
  assert.notEqual(result.status, 0);
  assert.match(
    result.stderr,
    /^portplan prepack: the Rust sources \(napi\/, \.\.\/core\) are not here to build from; refusing to pack an unbuilt package$/m,
  );
  assert.deepEqual(
    fs.readdirSync(copy).filter((file) => file.endsWith('.tgz')),
    [],
  );
  fs.rmSync(copy, { recursive: true, force: true });
});
