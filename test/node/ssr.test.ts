// Server rendering: every entry of the package imports in plain Node, where there is no window,
// document, localStorage or IndexedDB, without touching the network or starting timers; and the
// browser entry's components and hook consumers render with react-dom/server, sending no request.
import { pathToFileURL } from 'node:url';
import { createElement, type ReactElement } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  FrameDropzone,
  KeyframeVideoPlayer,
  KeyframeVideoProvider,
  KeyframeVideoStudio,
  messagesZhCN,
  useFitLastFrame,
  useFrameDropzone,
  useKeyframeVideo,
  useKeyframeVideoConfig,
  useTaskPoll,
} from '../../src/index.js';
import { packageEntries } from './helpers/package-entries.js';

const BROWSER_GLOBALS = ['window', 'document', 'localStorage', 'sessionStorage', 'indexedDB'];

function Form() {
  const kfv = useKeyframeVideo({ persistKey: 'studio', tick: 1_000 });
  const poll = useTaskPoll('task-1', {
    fetcher: () => Promise.reject(new Error('A server render must not fetch.')),
    isTerminal: () => true,
    tick: 1_000,
  });
  return createElement(
    'form',
    { 'data-state': kfv.status },
    createElement('input', kfv.getFrameInputProps('first', { 'aria-label': 'First frame' })),
    createElement('textarea', kfv.getPromptProps({ 'aria-label': 'Prompt' })),
    createElement('button', kfv.getSubmitButtonProps(), 'Generate'),
    createElement('p', kfv.getSubmitReasonProps(), kfv.submitReason),
    createElement('p', kfv.getStatusProps(), kfv.statusText),
    createElement('p', { id: 'poll' }, `${poll.status} ${String(poll.elapsedMs)}`),
  );
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('server rendering', () => {
  test('there are no browser globals here', () => {
    for (const name of BROWSER_GLOBALS) {
      expect(name in globalThis, name).toBe(false);
    }
  });

  test.each([
    [
      'with a provider',
      (child: ReturnType<typeof createElement>) =>
        createElement(KeyframeVideoProvider, { endpoint: '/api/keyframe-video' }, child),
    ],
    ['without a provider', (child: ReturnType<typeof createElement>) => child],
  ])('renders the idle form %s, fetching nothing', (_name, wrap) => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const html = renderToString(wrap(createElement(Form)));
    expect(html).toContain('<form data-state="idle">');
    expect(html).toContain('role="status"');
    expect(html).toContain('Ready. Add the frames and a prompt, then generate.');
    expect(html).toMatch(
      /<button type="button" disabled="" aria-describedby="[^"]+" data-state="idle">Generate<\/button>/,
    );
    expect(html).toContain('Add a first frame: the video starts from it.');
    expect(html).toContain('<p id="poll">idle undefined</p>');
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('every entry imports in plain Node', () => {
  test.each(packageEntries().map((entry) => [entry.specifier, entry] as const))(
    '%s: no browser globals needed or made, no request, no timer',
    async (_specifier, entry) => {
      vi.resetModules();
      vi.useFakeTimers();
      const fetchSpy = vi.spyOn(globalThis, 'fetch');
      const module = (await import(pathToFileURL(entry.source).href)) as Record<string, unknown>;
      expect(Object.keys(module).length).toBeGreaterThan(0);
      expect(fetchSpy).not.toHaveBeenCalled();
      expect(vi.getTimerCount()).toBe(0);
      for (const name of BROWSER_GLOBALS) expect(name in globalThis, name).toBe(false);
    },
  );
});

/** A headless page: a dropzone and the player on one form, plus every other hook's result. */
function Parts() {
  const kfv = useKeyframeVideo({ persistKey: 'parts' });
  const zone = useFrameDropzone(kfv, 'first');
  const fit = useFitLastFrame(kfv);
  const config = useKeyframeVideoConfig();
  return createElement(
    'main',
    null,
    createElement(
      'div',
      zone.getRootProps(),
      createElement('label', zone.getLabelProps(), zone.label),
      createElement('input', zone.getInputProps()),
    ),
    createElement(FrameDropzone, { keyframeVideo: kfv, slot: 'last' }),
    createElement(KeyframeVideoPlayer, { keyframeVideo: kfv }),
    createElement('p', { id: 'facts' }, `${zone.state} ${fit.state} ${String(fit.canFit)}`),
    createElement('p', { id: 'config' }, Object.keys(config.models).join(' ')),
  );
}

function renderQuietly(element: ReactElement): string {
  const fetchSpy = vi.spyOn(globalThis, 'fetch');
  const errorSpy = vi.spyOn(console, 'error');
  const warnSpy = vi.spyOn(console, 'warn');
  const html = renderToString(element);
  expect(fetchSpy).not.toHaveBeenCalled();
  expect(errorSpy).not.toHaveBeenCalled();
  expect(warnSpy).not.toHaveBeenCalled();
  return html;
}

describe('the components render on the server', () => {
  test('KeyframeVideoStudio, with no provider: the idle form, every field labelled', () => {
    const html = renderQuietly(createElement(KeyframeVideoStudio));
    expect(html).toMatch(/^<form [^>]*aria-label="Keyframe video"[^>]*data-state="idle"/);
    for (const field of ['firstFrame', 'lastFrame', 'prompt', 'negativePrompt']) {
      const id = new RegExp(`id="([^"]+-${field})"`).exec(html)?.[1];
      expect(id, field).toBeDefined();
      expect(html).toContain(`for="${String(id)}"`);
    }
    expect(html).toMatch(/<button [^>]*aria-disabled="true"[^>]*>Generate<\/button>/);
    expect(html).toContain('role="status"');
    expect(html).toContain('The video will appear here.');
  });

  test('…and in Chinese through the provider, with no English left in the words shown', () => {
    const html = renderQuietly(
      createElement(
        KeyframeVideoProvider,
        { messages: messagesZhCN },
        createElement(KeyframeVideoStudio),
      ),
    );
    expect(html).toContain(`aria-label="${messagesZhCN.ui.studioLabel}"`);
    expect(html).toContain(`>${messagesZhCN.ui.generate}</button>`);
    expect(html).toContain(messagesZhCN.status.idle);
    expect(html).not.toContain('Generate');
    expect(html).not.toContain('Ready.');
  });

  test('FrameDropzone, KeyframeVideoPlayer and the hooks behind them, in your own markup', () => {
    const html = renderQuietly(
      createElement(
        KeyframeVideoProvider,
        { endpoint: '/api/keyframe-video' },
        createElement(Parts),
      ),
    );
    expect(html).toMatch(/<div [^>]*data-state="empty"[^>]*><label [^>]*>First frame<\/label>/);
    expect(html).toMatch(/<div role="group" class="kfv-root kfv-dropzone"[^>]*data-state="empty"/);
    expect(html).toContain('Last frame');
    expect(html).toMatch(/class="kfv-root kfv-player" data-state="idle"/);
    expect(html).toContain('<p id="facts">empty idle false</p>');
    expect(html).toContain('wan2.2-kf2v-flash');
  });
});
