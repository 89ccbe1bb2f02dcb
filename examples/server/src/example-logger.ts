import { consoleLogger, type Logger } from '@restbatch/core';
import { pino } from 'pino';

/**
 * The example server's logger: JSON lines through pino when `LOG_FORMAT=json` (level `LOG_LEVEL`,
 * default `info`: one line per batch), human lines of warnings and errors otherwise (the server
 * prints its own line per batch then). `write` replaces stdout (tests).
 */
export function exampleLogger(env: NodeJS.ProcessEnv, write?: (line: string) => void): Logger {
  if (env.LOG_FORMAT === 'json') {
    const level = env.LOG_LEVEL || 'info';
    return write === undefined ? pino({ level }) : pino({ level }, { write });
  }
  return consoleLogger({ format: 'pretty', level: 'warn', write: write ?? ((line) => process.stdout.write(line)) });
}
