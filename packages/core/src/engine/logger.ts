/** A log method in pino's shape: the fields first, the message second. */
export type LogFn = (fields: object, message?: string) => void;

/**
 * Where the engine reports what a client must not see, in pino's shape (`logger.error(fields,
 * message)`): a pino instance fits as it is. Only `error` is required; a missing level is silent.
 */
export interface Logger {
  error: LogFn;
  warn?: LogFn;
  info?: LogFn;
  debug?: LogFn;
  /** pino's level check; a level it says is off costs the engine nothing. */
  isLevelEnabled?(level: string): boolean;
}

/** The logger of the releases before 0.2: `error(message, fields)`, fields second. */
export interface LegacyLogger {
  error(message: string, fields: Record<string, unknown>): void;
  info?(message: string, fields: Record<string, unknown>): void;
}

/** Adapts a logger of the old `(message, fields)` shape to {@link Logger}. */
export function fromLegacyLogger(legacy: LegacyLogger): Logger {
  const info = legacy.info;
  return {
    error: (fields, message) => legacy.error(message ?? '', { ...fields }),
    warn: (fields, message) => legacy.error(message ?? '', { ...fields }),
    info: info === undefined ? undefined : (fields, message) => info.call(legacy, message ?? '', { ...fields }),
  };
}

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** A log level of {@link consoleLogger}. */
export type LogLevel = keyof typeof LEVELS;

/** Options of {@link consoleLogger}. */
export interface ConsoleLoggerOptions {
  /** Lowest level written (default `warn`: the per-batch `info` lines are off). */
  level?: LogLevel;
  /** `json` (default): one JSON object a line; `pretty`: a human line. */
  format?: 'json' | 'pretty';
  /** Where lines go (default stderr). */
  write?: (line: string) => void;
}

/** A tiny logger for apps without pino: one line per entry, levels below `level` cost nothing. */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? 'warn'];
  const write = options.write ?? stderrWrite;
  const pretty = options.format === 'pretty';
  const at =
    (level: LogLevel): LogFn | undefined =>
    (fields, message) => {
      if (LEVELS[level] < min) return;
      const entry = { level, time: new Date().toISOString(), msg: message, ...fields };
      write(pretty ? prettyLine(entry) : `${JSON.stringify(entry)}\n`);
    };
  return {
    error: at('error') as LogFn,
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    isLevelEnabled: (level) => (LEVELS[level as LogLevel] ?? 0) >= min,
  };
}

function prettyLine(entry: Record<string, unknown>): string {
  const { level, time, msg, ...rest } = entry;
  const fields = Object.keys(rest).length === 0 ? '' : ` ${JSON.stringify(rest)}`;
  return `${time} ${String(level).toUpperCase()} ${msg ?? ''}${fields}\n`;
}

/** Writes JSON lines of level `warn` and above to stderr (the engine's default). */
export const stderrLogger: Logger = consoleLogger();

/**
 * An error as plain JSON fields (`JSON.stringify` turns an `Error` into `{}`): type, message,
 * code, stack and its causes, four deep.
 */
export function serializeError(error: unknown, depth = 0): unknown {
  try {
    return serialized(error, depth);
  } catch {
    // A value whose prototype or properties throw when read (a hostile Proxy): logged as such, never thrown at the caller.
    return { type: 'Unreadable', message: 'The error could not be read' };
  }
}

function serialized(error: unknown, depth: number): unknown {
  if (!(error instanceof Error)) return error;
  // No prototype: pino's `err` serializer then keeps `type` as given (it reads a constructor's name).
  const out: Record<string, unknown> = Object.create(null);
  out.type = error.name;
  out.message = error.message;
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  out.stack = error.stack;
  if (error.cause !== undefined && depth < 4) out.cause = serializeError(error.cause, depth + 1);
  return out;
}

const stderr = (globalThis as { process?: { stderr?: { write?: (line: string) => unknown } } }).process?.stderr;

/** Node's (and Bun's, Deno's) standard error; `console.error` on runtimes without `process` (the edge). */
function stderrWrite(line: string): void {
  if (typeof stderr?.write === 'function') stderr.write(line);
  else console.error(line.endsWith('\n') ? line.slice(0, -1) : line);
}
