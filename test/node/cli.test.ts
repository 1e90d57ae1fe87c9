// The `keyframe-video` command, run as a real process (through tsx, so no build is needed):
// it prints the simulator's URL, serves DashScope's API there, and stops cleanly on a signal.
// Each test spawns its own process on its own port, so they run concurrently.
import { afterAll, describe, it } from 'vitest';
import { killCliProcesses, startCli, waitForOutput, type CliRun } from './helpers/cli-process.js';
import { FIRST_FRAME } from './helpers/simulator-harness.js';

const URL_LINE = /^http:\/\/127\.0\.0\.1:(\d+)\/api\/v1$/;

const cli = (...args: string[]): CliRun => startCli(args);

/**
 * Waits for the URL line and the hint line after it (the server is listening once they are
 * printed; the two may arrive in separate chunks).
 */
function urlOf(run: CliRun): Promise<string> {
  return waitForOutput(run, (stdout) => {
    const lines = stdout.split('\n');
    const index = lines.findIndex((l) => URL_LINE.test(l));
    return index >= 0 && (lines[index + 1] ?? '').includes('Ctrl+C') ? lines[index] : undefined;
  });
}

afterAll(killCliProcesses);

const createHeaders = {
  Authorization: 'Bearer sk-cli-test',
  'Content-Type': 'application/json',
  'X-DashScope-Async': 'enable',
};

// Generous: each test starts its own tsx process (about 4 s on an idle 2-core machine) and they
// run at once, so under other heavy jobs a start can take ten times as long.
const SPAWN_TIMEOUT_MS = 120_000;

describe.concurrent('keyframe-video simulator', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('prints its URL, serves the DashScope API there and exits 0 on SIGTERM', async ({
    expect,
  }) => {
    const run = cli('simulator', '--port', '0', '--seed', '7', '--speed', '60');
    const url = await urlOf(run);
    const lines = run.stdout().trim().split('\n');
    expect(lines[0]).toBe(url);
    expect(lines[1]).toContain(`DASHSCOPE_HTTP_BASE_URL=${url}`);

    const created = await fetch(`${url}/services/aigc/image2video/video-synthesis`, {
      method: 'POST',
      headers: createHeaders,
      body: JSON.stringify({
        model: 'wan2.2-kf2v-flash',
        input: { first_frame_url: FIRST_FRAME },
      }),
    });
    expect(created.status).toBe(200);
    const { output } = (await created.json()) as { output: { task_id: string } };
    const task = await fetch(`${url}/tasks/${output.task_id}`, {
      headers: { Authorization: 'Bearer sk-cli-test' },
    });
    expect(task.status).toBe(200);
    expect(await task.json()).toMatchObject({ output: { task_id: output.task_id } });

    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stderr()).toContain('Simulator stopped (SIGTERM).');
    await expect(fetch(`${url}/tasks/${output.task_id}`)).rejects.toThrow();
  });

  it('stops cleanly on SIGINT (Ctrl+C) too', async ({ expect }) => {
    const run = cli('simulator', '--port', '0');
    await urlOf(run);
    run.child.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 0, signal: null });
  });

  it('--fault-rate 1 makes faults appear; by default there are none', async ({ expect }) => {
    const faulty = cli('simulator', '--port', '0', '--seed', '3', '--fault-rate', '1');
    const calm = cli('simulator', '--port', '0', '--seed', '3');
    const statuses = async (url: string) => {
      const seen: string[] = [];
      for (let i = 0; i < 10; i += 1) {
        try {
          const response = await fetch(
            `${url}/tasks/00000000-0000-4000-8000-00000000000${String(i)}`,
            {
              headers: { Authorization: 'Bearer sk-cli-test' },
            },
          );
          await response.arrayBuffer();
          seen.push(String(response.status));
        } catch {
          seen.push('dropped');
        }
      }
      return seen;
    };
    const faultyStatuses = await statuses(await urlOf(faulty));
    const calmStatuses = await statuses(await urlOf(calm));
    expect(calmStatuses).toEqual(Array.from({ length: 10 }, () => '200'));
    expect(faultyStatuses.filter((s) => s !== '200').length).toBeGreaterThan(0);
    faulty.child.kill('SIGTERM');
    calm.child.kill('SIGTERM');
    expect(await faulty.exited).toEqual({ code: 0, signal: null });
    expect(await calm.exited).toEqual({ code: 0, signal: null });
  });

  it('--help prints the options and exits 0', async ({ expect }) => {
    const run = cli('simulator', '--help');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('Usage: keyframe-video simulator');
    for (const option of ['--port', '--speed', '--fault-rate', '--seed']) {
      expect(run.stdout()).toContain(option);
    }
  });

  it('rejects a bad option value with the usage and exit status 2', async ({ expect }) => {
    const run = cli('simulator', '--port', 'eighty');
    expect(await run.exited).toEqual({ code: 2, signal: null });
    expect(run.stderr()).toContain('--port must be a whole number');
    expect(run.stderr()).toContain('Usage: keyframe-video simulator');
  });

  it('rejects an unknown option with exit status 2', async ({ expect }) => {
    const run = cli('simulator', '--colour', 'blue');
    expect(await run.exited).toEqual({ code: 2, signal: null });
    expect(run.stderr()).toContain('--colour');
  });
});

describe.concurrent('keyframe-video', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('lists its commands with --help', async ({ expect }) => {
    const run = cli('--help');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('Usage: keyframe-video <command>');
    expect(run.stdout()).toMatch(/simulator\s+Serve the DashScope simulator/);
  });

  it('answers an unknown command with the usage and exit status 2', async ({ expect }) => {
    const run = cli('teleport');
    expect(await run.exited).toEqual({ code: 2, signal: null });
    expect(run.stderr()).toContain('unknown command "teleport"');
    expect(run.stderr()).toContain('Usage: keyframe-video <command>');
  });

  it('answers no command at all with the usage and exit status 2', async ({ expect }) => {
    const run = cli();
    expect(await run.exited).toEqual({ code: 2, signal: null });
    expect(run.stderr()).toContain('Usage: keyframe-video <command>');
  });
});
