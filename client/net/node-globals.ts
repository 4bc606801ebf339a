/**
 * simple-peer 9 pulls in readable-stream, which reads `process.nextTick` and `process.env` when it loads.
 * Import this module before simple-peer; `global` itself is defined in vite.config.ts.
 */
type NodeProcessShim = { env: Record<string, string>; browser: boolean; nextTick(fn: (...args: unknown[]) => void, ...args: unknown[]): void };

const scope = globalThis as unknown as { process?: NodeProcessShim };
scope.process ??= {
  env: {},
  browser: true,
  nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)),
};
