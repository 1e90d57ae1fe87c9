/**
 * MSW (Mock Service Worker) handlers backed by the simulator, for Storybook, the browser demo and
 * browser or Node tests: every request under `baseUrl` — the relay endpoint an app talks to, or
 * DashScope's own base URL — is answered by the simulator. `msw` is an optional peer
 * dependency: only this file imports it.
 */
import { http, type HttpHandler } from 'msw';
import { isDroppedAnswer } from './answers.js';
import type { DashScopeSimulator } from './simulator.js';

/** Options of {@link createSimulatorHandlers}. */
export interface SimulatorHandlersOptions {
  /**
   * Where requests are intercepted: a path (`"/api/keyframe-video"`, the hooks' default
   * endpoint; matched on any origin) or an absolute base (`"https://dashscope.aliyuncs.com/api/v1"`).
   * The simulator answers there as if it were its own base path, and its video links point
   * back under it, so they are intercepted too.
   */
  baseUrl: string;
}

/** The path part of a base URL, without a trailing slash (`"/api/keyframe-video"`). */
function basePathOf(baseUrl: string): string {
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(baseUrl) ? new URL(baseUrl).pathname : baseUrl;
  return path.replace(/\/+$/, '');
}

/**
 * MSW 2 handlers that pass every request under `baseUrl` to `simulator`. Use them with
 * `setupWorker(...handlers)` (browser), `setupServer(...handlers)` (Node) or a Storybook
 * story's `msw.use(...handlers)`.
 */
export function createSimulatorHandlers(
  simulator: DashScopeSimulator,
  options: SimulatorHandlersOptions,
): HttpHandler[] {
  const base = options.baseUrl.replace(/\/+$/, '');
  const basePath = basePathOf(base);
  // A bare path matches on any origin (MSW in Node has no page origin to resolve it against).
  const pattern = base.startsWith('/') ? `*${base}/*` : `${base}/*`;
  return [
    http.all(pattern, async ({ request }) => {
      const response = await simulator(request, { basePath });
      // A "drop" fault: fail the request itself, so `fetch` rejects as on a broken connection.
      if (isDroppedAnswer(response)) return Response.error();
      return response;
    }),
  ];
}
