/**
 * `keyframe-video relay`: the relay as a local development server, with a development
 * `authenticate` that trusts `Authorization: Bearer <user-id>` (printed as such on start; never
 * the library's default). Point the browser client or an official DashScope SDK at it (the SDK's
 * "API key" becomes the user id); it forwards to `--upstream` (e.g. the simulator) with the
 * server's own key from `DASHSCOPE_API_KEY`.
 */
import {
  EXIT_OK,
  parseNumber,
  parseOptions,
  UsageError,
  type CliCommand,
  type CliIo,
} from '../cli-command.js';
import { REGION_BASE_URLS, type Region } from '../core/models.js';
import { createKeyframeVideoRelay } from './handler.js';
import { createJsonLineLogger } from './log.js';
import { API_KEY_ENV, type RelayAuthenticate } from './options.js';
import { DEFAULT_RELAY_PORT, startRelayServer } from './node.js';
import { stopSignal } from '../stop-signal.js';

/** The default mount path, the one the browser client uses. */
export const DEFAULT_RELAY_PREFIX = '/api/keyframe-video';

/** User ids the development `authenticate` accepts. */
const DEV_USER_ID = /^[A-Za-z0-9._@:-]{1,128}$/;

/**
 * Development authentication: the bearer token IS the user id. Anyone can claim any id, so this
 * is for a developer's own machine only.
 */
export const developmentAuthenticate: RelayAuthenticate = (request) => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  const userId = match?.[1];
  return userId !== undefined && DEV_USER_ID.test(userId) ? { userId } : null;
};

const USAGE = `Usage: keyframe-video relay [--port N] [--host H] [--upstream URL | --region R]
                            [--prefix PATH] [--allow-image-origin ORIGIN]... [--max-body-bytes N]

Serves the keyframe-video relay at http://127.0.0.1:${String(DEFAULT_RELAY_PORT)}${DEFAULT_RELAY_PREFIX}
with DEVELOPMENT authentication: every request sends \`Authorization: Bearer <user-id>\` and that
user id is trusted as is. For local development only; in production mount
createKeyframeVideoRelay with your own authenticate.

The upstream key comes from ${API_KEY_ENV} (required; for the simulator any value works, e.g.
${API_KEY_ENV}=sk-local). Official SDKs work through it:
DASHSCOPE_HTTP_BASE_URL=http://127.0.0.1:${String(DEFAULT_RELAY_PORT)}${DEFAULT_RELAY_PREFIX} DASHSCOPE_API_KEY=<user-id>.

Options:
  --port N                     TCP port (default ${String(DEFAULT_RELAY_PORT)}; 0 picks a free one)
  --host H                     interface to listen on (default 127.0.0.1)
  --upstream URL               upstream API base, e.g. http://127.0.0.1:8790/api/v1 (the simulator)
  --region R                   beijing (default) or singapore, when --upstream is not given
  --prefix PATH                mount path (default ${DEFAULT_RELAY_PREFIX})
  --allow-image-origin ORIGIN  accept image links from ORIGIN (repeatable; "*" for any)
  --max-body-bytes N           largest request body (default: two maximal frames, ~26.7 MiB)
  -h, --help                   show this help

Events are written to stderr as JSON lines. Stops cleanly on Ctrl+C (SIGINT) or SIGTERM.`;

function wholeNumber(name: string, text: string | undefined, min: number, max: number) {
  return parseNumber(
    name,
    text,
    (value, raw) => /^\d+$/.test(raw.trim()) && value >= min && value <= max,
    `a whole number from ${String(min)} to ${String(max)}`,
  );
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const values = parseOptions(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    upstream: { type: 'string' },
    region: { type: 'string' },
    prefix: { type: 'string' },
    'allow-image-origin': { type: 'string', multiple: true },
    'max-body-bytes': { type: 'string' },
  });
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  const port = wholeNumber('port', values.port, 0, 65_535) ?? DEFAULT_RELAY_PORT;
  const maxBodyBytes = wholeNumber('max-body-bytes', values['max-body-bytes'], 1, 2 ** 31);
  const region = values.region;
  if (region !== undefined && !Object.prototype.hasOwnProperty.call(REGION_BASE_URLS, region)) {
    throw new UsageError(`--region must be one of ${Object.keys(REGION_BASE_URLS).join(', ')}.`);
  }
  const prefix = values.prefix ?? DEFAULT_RELAY_PREFIX;
  const logger = createJsonLineLogger((line) => io.err(line));
  const relay = createKeyframeVideoRelay({
    authenticate: developmentAuthenticate,
    basePath: prefix,
    baseUrl: values.upstream,
    region: region as Region | undefined,
    allowedImageOrigins: values['allow-image-origin'],
    maxBodyBytes,
    logger,
  });
  const stopped = stopSignal();
  const server = await startRelayServer({ relay, port, listenHost: values.host ?? '127.0.0.1' });
  const url = `${server.origin}${prefix.replace(/\/+$/, '')}`;
  const upstream = values.upstream ?? REGION_BASE_URLS[(region as Region | undefined) ?? 'beijing'];
  io.out(url);
  io.out(`Keyframe-video relay ready at ${url}, forwarding to ${upstream}.`);
  io.out(
    'DEVELOPMENT AUTHENTICATION: send `Authorization: Bearer <user-id>`; the user id is trusted as is. ' +
      'Never expose this server; in production pass your own authenticate.',
  );
  io.out(
    `Official SDKs: DASHSCOPE_HTTP_BASE_URL=${url} DASHSCOPE_API_KEY=<user-id>. Ctrl+C stops it.`,
  );
  const signal = await stopped;
  await server.close();
  io.err(`Relay stopped (${signal}).`);
  return EXIT_OK;
}

/**
 * The `relay` subcommand for `src/cli.ts`, which turns what `run` throws into a message and an
 * exit status (0 clean stop, 1 cannot start, 2 usage error).
 */
export const relayCommand: CliCommand = {
  summary: 'Serve the relay on 127.0.0.1 with development authentication (Bearer <user-id>).',
  usage: USAGE,
  run,
};
