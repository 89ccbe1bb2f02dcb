const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

/**
 * Resolves on the event loop's next turn, after pending I/O: `setImmediate` where the runtime has
 * it (Node, Bun, Deno), else a timer of 0 ms (the fetch runtimes of the edge have no `setImmediate`).
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    if (immediate === undefined) setTimeout(resolve, 0);
    else immediate(resolve);
  });
}
