// Starts a real `redis-server` (Debian's package, found on PATH) on a free 127.0.0.1 port with
// persistence off, for tests of the relay's Redis store, and stops it afterwards. A missing
// redis-server fails the run with the command that installs it: these tests are never skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { delimiter, join } from 'node:path';

/** A running redis-server owned by the test. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and resolves when it has exited. */
  stop(): Promise<void>;
}

const INSTALL_HINT = "install Debian's redis-server: apt-get install -y redis-server";

/** The redis-server executable on PATH, or a failure saying how to install it. */
export function findRedisServer(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`redis-server was not found on PATH: ${INSTALL_HINT}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server answers PING on `port`; rejects after `timeoutMs`. */
function waitForPing(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(
          new Error(
            `redis-server exited with status ${String(child.exitCode)} before it was ready.`,
          ),
        );
        return;
      }
      const socket = createConnection({ port, host: '127.0.0.1' });
      let answer = '';
      const retry = () => {
        socket.destroy();
        if (Date.now() > deadline)
          reject(new Error(`redis-server did not answer PING within ${String(timeoutMs)} ms.`));
        else setTimeout(attempt, 50);
      };
      socket.once('error', retry);
      socket.on('data', (data) => {
        answer += data.toString('utf8');
        if (answer.includes('+PONG')) {
          socket.destroy();
          resolve();
        }
      });
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.setTimeout(1_000, retry);
    };
    attempt();
  });
}

/** Starts redis-server on a free loopback port (no persistence) and waits until it answers. */
export async function startRedisServer(): Promise<RedisServer> {
  const executable = findRedisServer();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      executable,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'yes',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (data: Buffer) => (output += data.toString('utf8')));
    child.stderr?.on('data', (data: Buffer) => (output += data.toString('utf8')));
    try {
      await waitForPing(port, child, 10_000);
    } catch (error) {
      lastError = new Error(`${(error as Error).message}\n${output.slice(-2_000)}`);
      child.kill('SIGKILL');
      continue;
    }
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    return {
      url: `redis://127.0.0.1:${String(port)}`,
      port,
      async stop() {
        if (child.exitCode === null) child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      },
    };
  }
  throw lastError instanceof Error ? lastError : new Error('redis-server did not start.');
}
