/** `npm run sim -- --nodes 1024 --files 10000 --churn 0.3 --loss 0.05 --seed 7`: one scenario, one JSON object on stdout. */
import { parseArgs, USAGE } from './cli-args';
import { healthy } from './scenario';
import { runMeasured } from './speed';

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.ok === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!parsed.ok) {
    process.stderr.write(`sim: ${parsed.error}\n\n${USAGE}\n`);
    return 2;
  }
  const { scenario, verbose, logLevel } = parsed.options;
  const writeErr = (line: string): void => void process.stderr.write(`${line}\n`);
  const result = await runMeasured({
    ...scenario,
    progress: verbose ? (event, fields) => writeErr(JSON.stringify({ event, ...fields })) : undefined,
    logWrite: logLevel ? writeErr : undefined,
    logLevel,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return healthy(result) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`sim: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
