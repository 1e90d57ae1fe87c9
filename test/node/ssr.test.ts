// Server rendering: a component using the hooks renders with react-dom/server in plain Node,
// where there is no window, document, localStorage or IndexedDB, and sends no request.
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { KeyframeVideoProvider, useKeyframeVideo, useTaskPoll } from '../../src/index.js';

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
  vi.restoreAllMocks();
});

describe('server rendering', () => {
  test('there are no browser globals here', () => {
    for (const name of ['window', 'document', 'localStorage', 'sessionStorage', 'indexedDB']) {
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
