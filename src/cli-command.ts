/**
 * What every `keyframe-video` subcommand shares: where it writes, its exit statuses, how it reads
 * its options and how it reports a usage mistake. `src/cli.ts` runs the commands and turns what
 * they throw into a message and an exit status; Node only.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The option declarations `parseArgs` takes. */
type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Exit statuses: a clean stop, a server that cannot start, a usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Where a command writes; the real process's streams, or a test's. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** One subcommand. `run` resolves with the exit status once the command is done. */
export interface CliCommand {
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A mistake on the command line: printed with the command's usage, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `-h`/`--help`, which every command takes. */
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** What {@link parseOptions} gives for `Options`: each option's value, `undefined` if not given. */
export type OptionValues<Options extends OptionsConfig> = ReturnType<
  typeof parseArgs<{
    args: string[];
    strict: true;
    allowPositionals: false;
    options: Options & typeof HELP;
  }>
>['values'];

/**
 * A command's options (`--name value` only, no positionals; unknown ones are refused), plus
 * `-h`/`--help`.
 */
export function parseOptions<const Options extends OptionsConfig>(
  args: readonly string[],
  options: Options,
): OptionValues<Options> {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: { ...options, ...HELP },
  }).values;
}

/**
 * The number in option `--name` (`undefined` when not given). Throws a {@link UsageError} that
 * states `rule` when the text is blank, not a finite number, or fails `check`.
 */
export function parseNumber(
  name: string,
  text: string | undefined,
  check: (value: number, text: string) => boolean,
  rule: string,
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value, text)) {
    throw new UsageError(`--${name} must be ${rule}; got "${text}".`);
  }
  return value;
}
