// `keyframe-video relay`, run as a real process (through tsx): it prints its URL and the
// development-authentication banner, relays to `--upstream` (the simulator on 127.0.0.1) with
// the key from DASHSCOPE_API_KEY, treats `Authorization: Bearer <user-id>` as the user, logs
// JSON lines without secrets, refuses to start without a key, and stops cleanly on SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorServer } from '../../src/simulator/node.js';
import { killCliProcesses, startCli, waitForOutput, type CliRun } from './helpers/cli-process.js';
import { createBody, SERVER_KEY, startUpstream } from './helpers/relay-harness.js';

const URL_LINE = /^http:\/\/127\.0\.0\.1:(\d+)\/api\/keyframe-video$/;

let upstream: SimulatorServer;

beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  killCliProcesses();
  await upstream.close();
});

/** `keyframe-video <args>` without the machine's own DASHSCOPE_API_KEY, plus `env`. */
function cli(args: string[], env: Record<string, string | undefined>): CliRun {
  return startCli(args, { DASHSCOPE_API_KEY: undefined, ...env });
}

/** Waits until the URL line and the last banner line (ending in "Ctrl+C stops it.") are out. */
function urlOf(run: CliRun): Promise<string> {
  return waitForOutput(run, (stdout) => {
    const url = stdout.split('\n').find((line) => URL_LINE.test(line));
    return url && stdout.includes('Ctrl+C stops it.') ? url : undefined;
  });
}

describe('keyframe-video relay', () => {
  it('serves the relay with development authentication and stops on SIGTERM', async () => {
    const run = cli(['relay', '--port', '0', '--upstream', upstream.url], {
      DASHSCOPE_API_KEY: SERVER_KEY,
    });
    const url = await urlOf(run);
    expect(run.stdout()).toContain('Authorization: Bearer <user-id>');
    expect(run.stdout()).toContain('DEVELOPMENT AUTHENTICATION');
    expect(run.stdout()).not.toContain(SERVER_KEY);

    const create = (user?: string) =>
      fetch(`${url}/services/aigc/image2video/video-synthesis`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(user === undefined ? {} : { authorization: `Bearer ${user}` }),
        },
        body: JSON.stringify(createBody()),
      });
    expect((await create()).status).toBe(401);
    const created = await create('dev-alice');
    expect(created.status).toBe(200);
    const { output } = (await created.json()) as { output: { task_id: string } };
    const own = await fetch(`${url}/tasks/${output.task_id}`, {
      headers: { authorization: 'Bearer dev-alice' },
    });
    expect(own.status).toBe(200);
    const foreign = await fetch(`${url}/tasks/${output.task_id}`, {
      headers: { authorization: 'Bearer dev-bob' },
    });
    expect(foreign.status).toBe(404);
    expect(upstream.simulator.createCount).toBe(1);

    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    const logLines = run
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(logLines.length).toBeGreaterThanOrEqual(4);
    for (const line of logLines) expect(JSON.parse(line)).toHaveProperty('requestId');
    expect(run.stderr()).not.toContain(SERVER_KEY);
    expect(run.stderr()).not.toContain('dev-alice');
  });

  it('refuses to start without DASHSCOPE_API_KEY, saying what to set', async () => {
    const run = cli(['relay', '--port', '0', '--upstream', upstream.url], {});
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr()).toContain('DASHSCOPE_API_KEY');
  });

  it('answers a bad option with its usage and status 2', async () => {
    const run = cli(['relay', '--port', 'eighty'], { DASHSCOPE_API_KEY: SERVER_KEY });
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(run.stderr()).toContain('--port must be a whole number');
    expect(run.stderr()).toContain('Usage: keyframe-video relay');
  });

  it('is listed by keyframe-video --help', async () => {
    const run = cli(['--help'], {});
    await run.exited;
    expect(run.stdout()).toMatch(/relay\s+Serve the relay/);
  });
});
