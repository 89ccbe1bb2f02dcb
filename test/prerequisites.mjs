// Run by `pnpm test` before the build: the programs the suites drive — redis-server and redis-cli
// (the @restbatch/redis suites start their own servers) and Chromium (the playground's browser
// suites, driven by playwright-core, no browser download). What is missing is installed from
// Debian's packages when this runs as root with apt-get (a fresh machine, CI); otherwise it says
// what to install, and the suites that need it fail (they never skip).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const onPath = (name) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const executable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const packages = [];
if (!onPath('redis-server') || !onPath('redis-cli')) packages.push('redis-server');
if (!executable(chromium) && !process.env.CHROMIUM_PATH) packages.push('chromium');

if (packages.length > 0) {
  const root = process.getuid?.() === 0;
  if (root && onPath('apt-get')) {
    console.log(`installing ${packages.join(', ')} (Debian packages) for the test suites…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
    if (install?.status !== 0) console.log(`could not install ${packages.join(', ')}: the suites that need them fail`);
    // The suites start redis-server on free ports; stop the one the package may have started.
    if (packages.includes('redis-server')) spawnSync('service', ['redis-server', 'stop'], { stdio: 'ignore' });
  } else {
    console.log(
      `missing: ${packages.join(', ')} — install them (apt-get install -y ${packages.join(' ')}); the suites that need them fail`,
    );
  }
}
