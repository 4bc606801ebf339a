import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** What `vite build` reads: when any of these is newer than dist/index.html, the page must be rebuilt. */
const BUILD_INPUTS = ['client', 'shared', 'public', 'index.html', 'vite.config.ts'];

export function needsBuild(root: string): boolean {
  const built = statOrUndefined(join(root, 'dist', 'index.html'));
  if (!built) return true;
  return BUILD_INPUTS.some((input) => newestMtime(join(root, input)) > built.mtimeMs);
}

/** Newest modification time of a file or of anything under a directory; 0 when it does not exist. */
function newestMtime(path: string): number {
  const info = statOrUndefined(path);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
