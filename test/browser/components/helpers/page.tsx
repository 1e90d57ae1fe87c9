/**
 * Renders a component the way an app page does — inside `<main>` under a heading, with the
 * library's stylesheet loaded and a provider wired to the in-page service.
 */
import type { ReactNode } from 'react';
import { render } from '@testing-library/react';
import {
  KeyframeVideoProvider,
  useKeyframeVideo,
  type KeyframeVideoProviderProps,
  type UseKeyframeVideoOptions,
  type UseKeyframeVideoResult,
} from '../../../../src/index.js';
import '../../../../src/styles.css';
import type { InPageService } from './service.js';

function Form(props: {
  options: UseKeyframeVideoOptions;
  latest: { current: UseKeyframeVideoResult | undefined };
  children: (kfv: UseKeyframeVideoResult) => ReactNode;
}) {
  const kfv = useKeyframeVideo(props.options);
  // eslint-disable-next-line react-hooks/immutability -- a test probe, read after each render.
  props.latest.current = kfv;
  return <>{props.children(kfv)}</>;
}

/** Renders `children(kfv)` in a page's main region under a provider on `service`. */
export function renderPage(
  service: InPageService,
  children: (kfv: UseKeyframeVideoResult) => ReactNode,
  options: UseKeyframeVideoOptions = {},
  provider: Partial<KeyframeVideoProviderProps> = {},
) {
  const latest: { current: UseKeyframeVideoResult | undefined } = { current: undefined };
  const view = render(
    <main style={{ padding: 16 }}>
      <h1 style={{ fontFamily: 'system-ui', fontSize: 20, margin: '0 0 12px' }}>Make a video</h1>
      <KeyframeVideoProvider {...service.providerProps(provider)}>
        <Form options={options} latest={latest}>
          {children}
        </Form>
      </KeyframeVideoProvider>
    </main>,
  );
  const main = view.container.querySelector('main');
  if (!main) throw new Error('No main.');
  return { view, main, latest: latest as { current: UseKeyframeVideoResult } };
}
