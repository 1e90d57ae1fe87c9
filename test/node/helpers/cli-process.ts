// The `keyframe-video` command as a real process (through tsx, so no build is needed), for the
// CLI tests: its output as it arrives, its end, and a clean-up for whatever is still running.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A started command. */
export interface CliRun {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /**
   * The exit code and signal once the process has ended and all its output is read; rejects if
   * it cannot start.
   */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: ChildProcess[] = [];

/** Starts `keyframe-video <args>` with the given environment changes (undefined removes one). */
export function startCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      // 'close', not 'exit': 'exit' can come before the last of stdout has been read.
      child.once('close', (code, signal) => resolve({ code, signal }));
      // A process that cannot be spawned (e.g. out of memory) never exits: fail, not time out.
      child.once('error', reject);
    },
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/**
 * Waits until `ready(stdout)` gives the line wanted (e.g. the URL once the server is listening);
 * throws with the process's stderr if it ends first.
 */
export async function waitForOutput(
  run: CliRun,
  ready: (stdout: string) => string | undefined,
): Promise<string> {
  for (;;) {
    const found = ready(run.stdout());
    if (found !== undefined) return found;
    const ended = await Promise.race([
      run.exited.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 50)),
    ]);
    if (ended) throw new Error(`The CLI exited before printing a URL:\n${run.stderr()}`);
  }
}

/** Kills every command a test left running (for `afterAll`). */
export function killCliProcesses(): void {
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
