// Structured logging: JSON by default (for log pipelines), a compact text form
// for people at a terminal. Reconcilers get child loggers that carry their key.
import winston from 'winston';

export type LogFormat = 'json' | 'text';
export type Logger = winston.Logger;

const textFormat = winston.format.printf((info) => {
  const { level, message, timestamp, ...rest } = info;
  const fields = Object.entries(rest)
    .filter(([k]) => typeof k === 'string')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${fields ? ` ${fields}` : ''}`;
});

export function createLogger(
  opts: { level?: string; format?: LogFormat; stream?: NodeJS.WritableStream } = {},
): Logger {
  const format =
    opts.format === 'text'
      ? winston.format.combine(winston.format.timestamp(), textFormat)
      : winston.format.combine(winston.format.timestamp(), winston.format.json());
  const transport = opts.stream
    ? new winston.transports.Stream({ stream: opts.stream })
    : new winston.transports.Console({ stderrLevels: [] });
  return winston.createLogger({ level: opts.level ?? 'info', format, transports: [transport] });
}

/** A logger that drops everything (library default, tests). */
export function silentLogger(): Logger {
  return winston.createLogger({
    silent: true,
    transports: [new winston.transports.Console({ silent: true })],
  });
}
