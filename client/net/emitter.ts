/** A typed event emitter: `on` returns its own unsubscribe; a throwing listener never stops the others. */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(detail: never) => void>>();

  on<E extends keyof Events>(event: E, listener: (detail: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<E extends keyof Events>(event: E, detail: Events[E]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (detail: Events[E]) => void)(detail);
      } catch (err) {
        // Surfaces as an uncaught error (the page's console, a test's pageerror) without breaking the emitter.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
