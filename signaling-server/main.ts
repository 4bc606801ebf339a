/** `npm start`: builds the page when its sources changed, then serves it with the signaling relay. */
import { iceServersFromEnv } from '../shared/wire/ice';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needsBuild } from './build-freshness';
import { startSignalServer } from './server';

const root = fileURLToPath(new URL('..', import.meta.url));

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be an integer in 0..65535, got "${text}"`);
  return port;
}

function viteBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    // --no: never fetch vite from the registry; it must come from this project's node_modules.
    const child = spawn('npx', ['--no', 'vite', 'build'], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`vite build failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}

async function main(): Promise<void> {
  const port = parsePort(process.env.PORT ?? '8080');
  if (needsBuild(root)) await viteBuild();
  const iceServers = iceServersFromEnv(process.env.RINGSHARE_ICE_SERVERS);
  const server = await startSignalServer({ host: process.env.HOST ?? '127.0.0.1', port, staticDir: join(root, 'dist'), iceServers });
  const stop = (signal: NodeJS.Signals) => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    console.log(`ringshare stopping (${signal})`);
    server.close().then(
      () => (process.exitCode = 0),
      (err: Error) => {
        console.error(`ringshare: close failed: ${err.message}`);
        process.exitCode = 1;
      },
    );
  };
  // Handlers go in before the listening line: whoever reads that line may signal at once.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log(`ringshare listening on ${server.url}`);
}

main().catch((err: Error) => {
  console.error(`ringshare: ${err.message}`);
  process.exitCode = 1;
});
