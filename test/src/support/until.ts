/** Waits (polling every few ms) until `condition` holds; throws after `limitMs` so a broken test fails instead of hanging. */
export async function until(condition: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
