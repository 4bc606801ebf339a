/** Runs tasks with at most `limit` in flight; a failing task does not stop the others, and the first failure is rethrown at the end. */
export async function inParallel(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      try {
        await (tasks[next++] as () => Promise<void>)();
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  if (failure) throw failure.err;
}
