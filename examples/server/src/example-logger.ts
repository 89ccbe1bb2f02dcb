import { consoleLogger, type Logger } from '@restbatch/core';
import { pino } from 'pino';

/** The values `LOG_LEVEL` may take: pino's levels, and `silent`. */
export const LOG_LEVELS: readonly string[] = Object.freeze([...Object.keys(pino.levels.values), 'silent']);

/**
 * The example server's logger: JSON lines through pino when `LOG_FORMAT=json` (level `LOG_LEVEL`,
 * default `info`: one line per batch), human lines of warnings and errors otherwise (the server
 * prints its own line per batch then). `write` replaces stdout (tests). Throws, naming `LOG_LEVEL`
 * and the levels it may take, for a level pino does not know.
 */
export function exampleLogger(env: NodeJS.ProcessEnv, write?: (line: string) => void): Logger {
  if (env.LOG_FORMAT === 'json') {
    const level = env.LOG_LEVEL || 'info';
    if (!LOG_LEVELS.includes(level)) {
      throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(level.slice(0, 40))}`);
    }
    return write === undefined ? pino({ level }) : pino({ level }, { write });
  }
  return consoleLogger({ format: 'pretty', level: 'warn', write: write ?? ((line) => process.stdout.write(line)) });
}
