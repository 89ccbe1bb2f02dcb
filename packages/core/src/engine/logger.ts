/** Where the engine reports what a client must not see. */
export interface Logger {
  error(message: string, fields: Record<string, unknown>): void;
  info?(message: string, fields: Record<string, unknown>): void;
}

/** Writes one JSON line per error to stderr. */
export const stderrLogger: Logger = {
  error(message, fields) {
    const { error, ...rest } = fields;
    const err = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : error;
    process.stderr.write(`${JSON.stringify({ level: 'error', message, ...rest, error: err })}\n`);
  },
};
