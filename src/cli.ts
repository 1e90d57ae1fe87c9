/**
 * The `keyframe-video` command: local servers for development.
 *
 *   keyframe-video simulator --port 8790   the DashScope simulator at http://127.0.0.1:8790/api/v1
 *   keyframe-video relay --port 8787       the relay (src/relay/cli-relay.ts)
 *
 * Each subcommand is one entry in `COMMANDS` (name, one-line summary, usage, run). Exit codes:
 * 0 after a clean stop, 1 when a server cannot start, 2 for a usage error.
 */
import {
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  parseNumber,
  parseOptions,
  UsageError,
  type CliCommand,
  type CliIo,
} from './cli-command.js';
import { isKeyframeVideoError } from './core/errors.js';
import type { FaultOptions } from './simulator/faults.js';
import { DEFAULT_SIMULATOR_PORT, startSimulatorServer } from './simulator/node.js';
import { relayCommand } from './relay/cli-relay.js';
import { stopSignal } from './stop-signal.js';

const PROGRAM = 'keyframe-video';

/**
 * `--fault-rate R` spreads a total probability R over the transient faults a client must
 * survive (429, 500, 503, a dropped connection, an HTML 502 page: R/5 each per request), and
 * makes the same share R of tasks end FAILED.
 */
function faultsForRate(rate: number): FaultOptions {
  const share = rate / 5;
  return {
    rates: {
      create429: share,
      get429: share,
      internalError: share,
      unavailable: share,
      drop: share,
      nonJson: share,
      failTask: rate,
    },
  };
}

const simulatorCommand: CliCommand = {
  summary: 'Serve the DashScope simulator on 127.0.0.1 (no API key, no network).',
  usage: `Usage: ${PROGRAM} simulator [--port N] [--host H] [--speed N] [--fault-rate R] [--seed S]

Serves a DashScope-compatible API (create, query, cancel and list video tasks; real,
playable 5 s videos) and prints its base URL, e.g. http://127.0.0.1:${String(DEFAULT_SIMULATOR_PORT)}/api/v1.
Point clients at it: DASHSCOPE_HTTP_BASE_URL=<that URL> (any API key is accepted).

Options:
  --port N        TCP port (default ${String(DEFAULT_SIMULATOR_PORT)}; 0 picks a free one)
  --host H        interface to listen on (default 127.0.0.1; anything else exposes it)
  --speed N       run tasks N times faster than the real service (default 1; e.g. 60)
  --fault-rate R  probability in [0, 1] of a transient fault per request (429, 500, 503,
                  dropped connection, HTML 502 page), and of a task ending FAILED
  --seed S        integer seed: the same requests get the same ids, timings and faults
  -h, --help      show this help

Stops cleanly on Ctrl+C (SIGINT) or SIGTERM.`,
  async run(args, io) {
    const values = parseOptions(args, {
      port: { type: 'string' },
      host: { type: 'string' },
      speed: { type: 'string' },
      'fault-rate': { type: 'string' },
      seed: { type: 'string' },
    });
    if (values.help) {
      io.out(this.usage);
      return EXIT_OK;
    }
    const port =
      parseNumber(
        'port',
        values.port,
        (n) => Number.isInteger(n) && n >= 0 && n <= 65_535,
        'a whole number from 0 to 65535',
      ) ?? DEFAULT_SIMULATOR_PORT;
    const speed = parseNumber('speed', values.speed, (n) => n > 0, 'a number above 0');
    const faultRate = parseNumber(
      'fault-rate',
      values['fault-rate'],
      (n) => n >= 0 && n <= 1,
      'a probability from 0 to 1',
    );
    const seed = parseNumber('seed', values.seed, (n) => Number.isInteger(n), 'a whole number');

    const stopped = stopSignal();
    const server = await startSimulatorServer({
      port,
      host: values.host ?? '127.0.0.1',
      ...(speed !== undefined ? { speed } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(faultRate !== undefined && faultRate > 0 ? { faults: faultsForRate(faultRate) } : {}),
    });
    io.out(server.url);
    io.out(
      `DashScope simulator ready: set DASHSCOPE_HTTP_BASE_URL=${server.url} (any API key works). Ctrl+C stops it.`,
    );
    const signal = await stopped;
    await server.close();
    io.err(`Simulator stopped (${signal}).`);
    return EXIT_OK;
  },
};

/** Every subcommand by name. */
const COMMANDS: Readonly<Record<string, CliCommand>> = {
  simulator: simulatorCommand,
  relay: relayCommand,
};

function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const list = Object.entries(COMMANDS)
    .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
    .join('\n');
  return `Usage: ${PROGRAM} <command> [options]

Commands:
${list}

Run \`${PROGRAM} <command> --help\` for a command's options.`;
}

/** Runs the command line `args` (without `node` and the script) and resolves with the exit status. */
async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(mainUsage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(`${PROGRAM}: unknown command "${name}".\n\n${mainUsage()}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (
      error instanceof UsageError ||
      (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
    ) {
      io.err(`${PROGRAM} ${name}: ${(error as Error).message}\n\n${command.usage}`);
      return EXIT_USAGE;
    }
    if (code === 'EADDRINUSE') {
      io.err(
        `${PROGRAM} ${name}: the port is already in use. Stop the other server or pick another --port.`,
      );
      return EXIT_FAILURE;
    }
    const message =
      isKeyframeVideoError(error) || error instanceof Error ? error.message : String(error);
    io.err(`${PROGRAM} ${name}: ${message}`);
    return EXIT_FAILURE;
  }
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

process.exitCode = await runCli(process.argv.slice(2), processIo);
// Timers of a simulator clock must not keep a stopped server's process alive.
process.exit();
