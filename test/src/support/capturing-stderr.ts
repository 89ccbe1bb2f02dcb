/** Runs `run` with stderr captured (and not written); returns what it wrote. */
export async function capturingStderr(run: () => Promise<void>): Promise<string> {
  let written = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    await run();
  } finally {
    process.stderr.write = write;
  }
  return written;
}
