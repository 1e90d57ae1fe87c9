// `keyframe-video relay`, run as a real process (through tsx): it prints its URL and the
// development-authentication banner, relays to `--upstream` (the simulator on 127.0.0.1) with
// the key from DASHSCOPE_API_KEY, treats `Authorization: Bearer <user-id>` as the user, logs
// JSON lines without secrets, refuses to start without a key, and stops cleanly on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorServer } from '../../src/simulator/node.js';
import { createBody, SERVER_KEY, startUpstream } from './helpers/relay-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const URL_LINE = /^http:\/\/127\.0\.0\.1:(\d+)\/api\/keyframe-video$/;

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: ChildProcess[] = [];
let upstream: SimulatorServer;

beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await upstream.close();
});

function cli(args: string[], env: Record<string, string | undefined>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DASHSCOPE_API_KEY: undefined, ...env },
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits until the URL line and the last banner line (ending in "Ctrl+C stops it.") are out. */
async function urlOf(run: Run): Promise<string> {
  for (;;) {
    const out = run.stdout();
    const url = out.split('\n').find((line) => URL_LINE.test(line));
    if (url && out.includes('Ctrl+C stops it.')) return url;
    const ended = await Promise.race([
      run.exited.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 50)),
    ]);
    if (ended) throw new Error(`The CLI exited before printing a URL:\n${run.stderr()}`);
  }
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
