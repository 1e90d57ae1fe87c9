// Configuration: what cannot work is a startup error with a sentence that says what to set —
// no API key, no `authenticate` without an explicit `allowAnonymous`, a bad base URL, a short
// secret, a bad limit — so a relay never runs half-configured or calls upstream without a key.
// The API key is read from DASHSCOPE_API_KEY through `globalThis.process`, and runtimes without
// a usable `process` (edge) do not crash.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isKeyframeVideoError } from '../../src/core/index.js';
import { createKeyframeVideoRelay, type KeyframeVideoRelayOptions } from '../../src/relay/index.js';
import { createDashScopeSimulator } from '../../src/simulator/index.js';
import { createBody, NO_RATE_LIMITS, SERVER_KEY } from './helpers/relay-harness.js';

const authenticate = () => ({ userId: 'alice' });

function startupError(options: KeyframeVideoRelayOptions): {
  code: string;
  param?: string;
  message: string;
} {
  try {
    createKeyframeVideoRelay(options);
  } catch (error) {
    expect(isKeyframeVideoError(error)).toBe(true);
    return error as { code: string; param?: string; message: string };
  }
  throw new Error('expected a startup error');
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

describe('startup errors', () => {
  it('no API key anywhere: a clear error naming the option and the variable', () => {
    vi.stubEnv('DASHSCOPE_API_KEY', '');
    const error = startupError({ authenticate });
    expect(error.param).toBe('apiKey');
    expect(error.message).toContain('DASHSCOPE_API_KEY');
  });

  it('no authenticate: an error that says how to add one, or to opt into anonymous use', () => {
    const error = startupError({ apiKey: SERVER_KEY });
    expect(error.param).toBe('authenticate');
    expect(error.message).toContain('authenticate');
    expect(error.message).toContain('allowAnonymous: true');
  });

  it('allowAnonymous must be exactly true', () => {
    expect(
      startupError({ apiKey: SERVER_KEY, allowAnonymous: 'yes' as unknown as boolean }).param,
    ).toBe('authenticate');
  });

  it.each([
    [{ baseUrl: 'ftp://dashscope.test/api/v1' }, 'baseUrl'],
    [{ baseUrl: 'not a url' }, 'baseUrl'],
    [{ baseUrl: 'https://user:pw@dashscope.test/api/v1' }, 'baseUrl'],
    [{ baseUrl: 'https://dashscope.test/api/v1?x=1' }, 'baseUrl'],
    [{ region: 'mars' as never }, 'region'],
    [{ taskIdSecret: 'short' }, 'taskIdSecret'],
    [{ models: [] }, 'models'],
    [{ maxBodyBytes: 0 }, 'maxBodyBytes'],
    [{ timeoutMs: -1 }, 'timeoutMs'],
    [{ allowedImageOrigins: ['javascript:alert(1)'] }, 'allowedImageOrigins'],
    [{ rateLimits: { userCreate: { limit: 0, windowMs: 1_000 } } }, 'rateLimits.userCreate.limit'],
    [
      { rateLimits: { accountCreate: { limit: 1, windowMs: 1_000, burst: 0.5 } } },
      'rateLimits.accountCreate.burst',
    ],
    [{ apiKey: 'sk-with\nnewline' }, 'apiKey'],
  ] as const)('%o → %s', (options, param) => {
    expect(startupError({ apiKey: SERVER_KEY, authenticate, ...options }).param).toBe(param);
  });
});

describe('the API key', () => {
  it('is read from DASHSCOPE_API_KEY when not passed, and sent upstream', async () => {
    vi.stubEnv('DASHSCOPE_API_KEY', 'sk-from-the-environment-0000');
    const simulator = createDashScopeSimulator({ apiKeys: ['sk-from-the-environment-0000'] });
    const relay = createKeyframeVideoRelay({
      authenticate,
      baseUrl: 'https://dashscope.test/api/v1',
      rateLimits: NO_RATE_LIMITS,
      fetch: (input, init) => simulator(new Request(input, init)),
    });
    const response = await relay(
      new Request('https://app.example/x/services/aigc/image2video/video-synthesis', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(createBody()),
      }),
    );
    expect(response.status).toBe(200);
    expect(simulator.createCount).toBe(1);
  });

  it('an explicit apiKey wins over the environment', () => {
    vi.stubEnv('DASHSCOPE_API_KEY', '');
    expect(() => createKeyframeVideoRelay({ apiKey: SERVER_KEY, authenticate })).not.toThrow();
  });

  it('a runtime whose process.env throws (edge) gets the missing-key error, not a crash', () => {
    vi.stubGlobal(
      'process',
      new Proxy(
        {},
        {
          get() {
            throw new ReferenceError('process is not available in this runtime');
          },
        },
      ),
    );
    let caught: unknown;
    try {
      createKeyframeVideoRelay({ authenticate });
    } catch (error) {
      caught = error;
    }
    vi.unstubAllGlobals();
    expect(caught).toMatchObject({ code: 'InvalidParameter', param: 'apiKey' });
  });

  it('a runtime with no process at all works with an explicit key', () => {
    vi.stubGlobal('process', undefined);
    let relay: unknown;
    try {
      relay = createKeyframeVideoRelay({ apiKey: SERVER_KEY, authenticate });
    } finally {
      vi.unstubAllGlobals();
    }
    expect(typeof relay).toBe('function');
  });
});

describe('anonymous use, explicitly enabled', () => {
  it('serves every caller as one shared "anonymous" user', async () => {
    const simulator = createDashScopeSimulator({ apiKeys: [SERVER_KEY] });
    const relay = createKeyframeVideoRelay({
      apiKey: SERVER_KEY,
      allowAnonymous: true,
      baseUrl: 'https://dashscope.test/api/v1',
      rateLimits: NO_RATE_LIMITS,
      fetch: (input, init) => simulator(new Request(input, init)),
    });
    const created = await relay(
      new Request('https://app.example/kv/services/aigc/image2video/video-synthesis', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(createBody()),
      }),
    );
    expect(created.status).toBe(200);
    const { output } = (await created.json()) as { output: { task_id: string } };
    const read = await relay(new Request(`https://app.example/kv/tasks/${output.task_id}`));
    expect(read.status).toBe(200);
  });
});
