// A simulator server in its own process, for the soak test: started with `--expose-gc`, it
// reports its heap after a forced collection when asked over IPC, so the test measures the
// server alone (not the test runner). Messages: parent → child `{ type: 'memory' }` and
// `{ type: 'close' }`; child → parent `{ type: 'ready', url }` and `{ type: 'memory', heapUsed }`.
import { startSimulatorServer } from '../../../src/simulator/node.js';

export type SoakMessage =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'memory'; readonly heapUsed: number; readonly rss: number };

function send(message: SoakMessage): void {
  process.send?.(message);
}

const collect = globalThis.gc;
if (!collect || !process.send) {
  throw new Error('Start this file with fork() and --expose-gc.');
}

const server = await startSimulatorServer({
  port: 0,
  seed: Number(process.env.SOAK_SEED ?? '1'),
  // Tasks of 1–5 minutes end in 0.1–0.5 s, so the soak sees every state.
  speed: 600,
  // Many requests per second from one key: the soak is about the server, not the quota.
  limits: { createPerSecond: 1_000, queryPerSecond: 10_000 },
  faults: {
    rates: {
      create429: 0.05,
      get429: 0.05,
      internalError: 0.03,
      unavailable: 0.02,
      drop: 0.03,
      nonJson: 0.02,
      slow: 0.05,
      failTask: 0.1,
    },
    slowMs: [20, 120],
  },
});

process.on('message', (message: { type?: string }) => {
  if (message.type === 'memory') {
    collect();
    collect();
    const usage = process.memoryUsage();
    send({ type: 'memory', heapUsed: usage.heapUsed, rss: usage.rss });
  } else if (message.type === 'close') {
    void server.close().then(() => process.exit(0));
  }
});

send({ type: 'ready', url: server.url });
