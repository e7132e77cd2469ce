// Where the registry lives (docs/registry.md "Where").
import * as os from 'node:os';
import * as path from 'node:path';

export function registryDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PORTPLAN_HOME) return path.resolve(env.PORTPLAN_HOME);
  const home = os.homedir();
  if (process.platform === 'win32') {
    return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'portplan');
  }
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'portplan');
  return path.join(env.XDG_STATE_HOME || path.join(home, '.local', 'state'), 'portplan');
}

export function registryPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(registryDir(env), 'registry.json');
}
