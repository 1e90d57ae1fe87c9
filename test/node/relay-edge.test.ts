// The relay entry is edge-safe: bundled for a platform with no Node built-ins it pulls in no
// `node:*` module, no Redis client and no Node adapter; and the bundle runs in a bare V8
// context that has only Web globals (no `process`, no `Buffer`, no `require`), where it
// authenticates, checks frames, signs ids and relays to the simulator.
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import type * as RelayEntry from '../../src/relay/index.js';
import { createDashScopeSimulator } from '../../src/simulator/index.js';
import { createBody, SERVER_KEY } from './helpers/relay-harness.js';

const ENTRY = fileURLToPath(new URL('../../src/relay/index.ts', import.meta.url));

async function bundle(format: 'esm' | 'iife') {
  return build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    platform: 'neutral',
    format,
    globalName: 'relayEntry',
    mainFields: ['module', 'main'],
    metafile: true,
    logLevel: 'silent',
  });
}

describe('react-keyframe-video/relay', () => {
  it('bundles for a neutral platform without Node built-ins, Redis or the Node adapter', async () => {
    const result = await bundle('esm');
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.startsWith('node:'))).toBe(false);
    expect(inputs.some((path) => /node_modules\/(redis|@redis|@remix-run)\//.test(path))).toBe(
      false,
    );
    expect(inputs.some((path) => /src\/relay\/(node|redis-store|cli-relay)\.ts$/.test(path))).toBe(
      false,
    );
    expect(inputs.some((path) => /src\/relay\/handler\.ts$/.test(path))).toBe(true);
  });

  it('runs in a context with only Web globals', async () => {
    const result = await bundle('iife');
    const code = result.outputFiles[0]?.text ?? '';
    const simulator = createDashScopeSimulator({ apiKeys: [SERVER_KEY] });
    const web = {
      Request,
      Response,
      Headers,
      URL,
      URLSearchParams,
      ReadableStream,
      TextEncoder,
      TextDecoder,
      AbortController,
      AbortSignal,
      crypto,
      atob,
      btoa,
      performance,
      setTimeout,
      clearTimeout,
      queueMicrotask,
      structuredClone,
      console,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => simulator(new Request(input, init)),
    };
    const context: Record<string, unknown> = { ...web };
    context.globalThis = context;
    runInNewContext(`${code}\nglobalThis.relayEntry = relayEntry;`, context);
    const entry = context.relayEntry as typeof RelayEntry;
    expect(context).not.toHaveProperty('process');
    expect(context).not.toHaveProperty('Buffer');

    // No key passed and no process.env to read: the startup error, not a crash.
    expect(() => entry.createKeyframeVideoRelay({ allowAnonymous: true })).toThrow(
      /DASHSCOPE_API_KEY/,
    );

    const relay = entry.createKeyframeVideoRelay({
      apiKey: SERVER_KEY,
      baseUrl: 'https://dashscope.test/api/v1',
      authenticate: (request) =>
        request.headers.get('authorization') === 'Bearer u1' ? { userId: 'u1' } : null,
    });
    const created = await relay(
      new Request(
        'https://edge.example/api/keyframe-video/services/aigc/image2video/video-synthesis',
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: 'Bearer u1',
            'idempotency-key': 'edge-1',
          },
          body: JSON.stringify(createBody()),
        },
      ),
    );
    expect(created.status).toBe(200);
    const { output } = (await created.json()) as { output: { task_id: string } };
    const read = await relay(
      new Request(`https://edge.example/api/keyframe-video/tasks/${output.task_id}`, {
        headers: { authorization: 'Bearer u1' },
      }),
    );
    expect(read.status).toBe(200);
    expect(simulator.createCount).toBe(1);
  });
});
