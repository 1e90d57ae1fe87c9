/**
 * One poll stream per task across tabs, proven in a real browser: the demo server (Vite + the
 * relay + the in-process simulator, importing the built library from dist/) and Debian's
 * Chromium driven by Playwright. Three pages in one browser context (one origin: shared
 * localStorage, Web Locks and BroadcastChannel): a task is started in the first, the other two
 * open the demo and resume it from storage. Polls are counted twice — where they arrive (the
 * demo server counts task reads on their way to the relay, `/__simulator/stats`) and where they
 * leave (each page's own request events) — while all three are open, then after the leading
 * page is closed and another takes over until the video is ready.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright';
import {
  fillForm,
  FORM,
  startDemoBrowser,
  waitForState,
  type DemoBrowser,
} from './helpers/demo-browser.js';

/**
 * Slow enough that a task outlives opening two more pages and watching a few polls (the
 * shortest simulated task then takes about 21 s, the longest 120 s), fast enough to finish in a
 * test.
 */
const SPEED = 3;
const TASK_READ = /\/api\/keyframe-video\/tasks\/[^/]+$/;

let demo: DemoBrowser;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  demo = await startDemoBrowser({ speed: SPEED });
  ({ origin, browser } = demo);
}, 60_000);

afterAll(async () => {
  await demo?.close();
});

interface Stats {
  createCount: number;
  taskGetCount: number;
}

async function stats(): Promise<Stats> {
  const body = (await (await fetch(`${origin}/__simulator/stats`)).json()) as Partial<Stats>;
  if (typeof body.taskGetCount !== 'number' || typeof body.createCount !== 'number') {
    throw new Error('/__simulator/stats has no taskGetCount: is demo/vite.config.ts current?');
  }
  return { createCount: body.createCount, taskGetCount: body.taskGetCount };
}

/** What the pages' own request events say about task reads, in the order they happened. */
interface PollLog {
  /** `start`/`end` of each task read, per page. */
  readonly events: { page: string; kind: 'start' | 'end' }[];
  count(page: string): number;
}

function createPollLog(): PollLog {
  const events: PollLog['events'] = [];
  return {
    events,
    count: (page) => events.filter((e) => e.page === page && e.kind === 'start').length,
  };
}

/** Records the page's task reads (GET …/tasks/{id}) into `log` under `name`. */
function watchPolls(page: Page, name: string, log: PollLog): void {
  const isPoll = (request: { method(): string; url(): string }) =>
    request.method() === 'GET' && TASK_READ.test(new URL(request.url()).pathname);
  page.on('request', (request) => {
    if (isPoll(request)) log.events.push({ page: name, kind: 'start' });
  });
  const ended = (request: { method(): string; url(): string }) => {
    if (isPoll(request)) log.events.push({ page: name, kind: 'end' });
  };
  page.on('requestfinished', ended);
  page.on('requestfailed', ended);
}

/** The most task reads in flight at once over the log (1 for one stream). */
function mostInFlight(log: PollLog): number {
  let open = 0;
  let most = 0;
  for (const event of log.events) {
    open += event.kind === 'start' ? 1 : -1;
    most = Math.max(most, open);
  }
  return most;
}

async function openPage(context: Awaited<ReturnType<Browser['newContext']>>, name: string) {
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw new Error(`${name}: ${error.message}`);
  });
  return page;
}

async function stateOf(page: Page): Promise<string | null> {
  return page.locator(FORM).getAttribute('data-state');
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The relay's count at a quiet moment: no task read in flight in any page, and none started or
 * counted while looking. (Polls are at least 500 ms apart at this speed, so such moments come
 * after every answer.) Comparing it with the pages' counts then leaves no request half-counted.
 */
async function quietStats(log: PollLog): Promise<Stats> {
  const giveUpAt = Date.now() + 30_000;
  while (Date.now() < giveUpAt) {
    const seen = log.events.length;
    if (mostInFlightNow(log) === 0) {
      const first = await stats();
      await pause(150);
      const again = await stats();
      if (log.events.length === seen && again.taskGetCount === first.taskGetCount) return first;
    }
    await pause(25);
  }
  throw new Error('No quiet moment between polls in 30 s.');
}

/** Task reads in flight now, by the pages' events. */
function mostInFlightNow(log: PollLog): number {
  let open = 0;
  for (const event of log.events) open += event.kind === 'start' ? 1 : -1;
  return open;
}

/** Waits (bounded) until `check` holds, asking every 100 ms. */
async function until(what: string, check: () => Promise<boolean>, timeout: number) {
  const giveUpAt = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > giveUpAt) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the demo in three tabs of one browser', () => {
  test('three tabs on one task make one poll stream; when the leader closes another takes over', async () => {
    const context = await browser.newContext();
    const log = createPollLog();
    const start = await stats();

    // Tab A starts a video.
    const a = await openPage(context, 'A');
    watchPolls(a, 'A', log);
    await a.goto(`${origin}/`);
    await waitForState(a, /^idle$/, 30_000);
    await fillForm(a, 'Three windows, one sunset.');
    await a.getByRole('button', { name: 'Generate' }).click();
    await waitForState(a, /^(queued|running)$/, 30_000);

    // Tabs B and C open the demo: the task is in storage, so they show it too.
    const b = await openPage(context, 'B');
    const c = await openPage(context, 'C');
    watchPolls(b, 'B', log);
    watchPolls(c, 'C', log);
    await Promise.all([b.goto(`${origin}/`), c.goto(`${origin}/`)]);
    await Promise.all([
      waitForState(b, /^(queued|running)$/, 30_000),
      waitForState(c, /^(queued|running)$/, 30_000),
    ]);

    // All three open: watch a few polls arrive at the relay.
    const together = { relay: (await quietStats(log)).taskGetCount, a: log.count('A') };
    await until(
      'three more polls at the relay',
      async () => (await stats()).taskGetCount >= together.relay + 3,
      45_000,
    );
    const shared = await quietStats(log);
    const stateBeforeClose = await Promise.all([a, b, c].map(stateOf));
    expect(stateBeforeClose.every((s) => s === 'queued' || s === 'running')).toBe(true);
    // One stream: every poll that reached the relay while three tabs were open came from A.
    expect(log.count('A') - together.a).toBe(shared.taskGetCount - together.relay);
    expect(log.count('B')).toBe(0);
    expect(log.count('C')).toBe(0);
    // And what the pages sent is all the relay got since the test began.
    expect(log.count('A')).toBe(shared.taskGetCount - start.taskGetCount);
    // The followers show what the leader learned.
    await until(
      'the three tabs to agree',
      async () => new Set(await Promise.all([a, b, c].map(stateOf))).size === 1,
      15_000,
    );

    // The leader's tab closes just after an answer (polls are at least 450 ms apart here), so
    // no request of A's is cut off: B or C takes over (the browser hands it the lock) and
    // carries on from the last answer A shared.
    const events = log.events.length;
    await until(
      'an answer to A',
      async () => log.events.length > events && log.events.at(-1)?.kind === 'end',
      30_000,
    );
    await a.close();
    const pollsOfA = log.count('A');
    await until('a poll from another tab', async () => log.count('B') + log.count('C') > 0, 45_000);
    await Promise.all([
      waitForState(b, /^succeeded$/, 150_000),
      waitForState(c, /^succeeded$/, 150_000),
    ]);
    const end = await quietStats(log);
    const [leader, follower] = log.count('B') > 0 ? ['B', 'C'] : ['C', 'B'];
    expect(log.count(follower)).toBe(0);
    expect(log.count('A')).toBe(pollsOfA);
    // Every poll the relay got over the run came from the pages, one stream at a time.
    expect(end.taskGetCount - start.taskGetCount).toBe(log.count('A') + log.count(leader));
    // Never two polls at once, in any tab, over the whole run.
    expect(mostInFlight(log)).toBe(1);
    expect(end.createCount - start.createCount).toBe(1);
    for (const page of [b, c]) {
      const src = await page.locator(`${FORM} video`).getAttribute('src');
      expect(src).toMatch(/^https?:\/\//);
    }
    await context.close();
  }, 300_000);
});
