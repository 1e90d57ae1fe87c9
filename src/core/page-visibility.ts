/**
 * The page's visibility as the pollers read it: `document.visibilityState` where there is a
 * document, "always visible" elsewhere (servers, workers, edge). Internal to the core: the
 * single-tab poller and the cross-tab poller share it.
 */
import type { VisibilitySource } from './poller.js';

/** A source that never hides: for servers and workers. */
export const ALWAYS_VISIBLE: VisibilitySource = {
  isHidden: () => false,
  subscribe: () => () => {},
};

interface DocumentLike {
  visibilityState?: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/** `document.visibilityState` when there is a document (looked up lazily: SSR-safe). */
export function documentVisibility(): VisibilitySource {
  const doc = (globalThis as { document?: DocumentLike }).document;
  if (!doc || typeof doc.addEventListener !== 'function') return ALWAYS_VISIBLE;
  return {
    isHidden: () => doc.visibilityState === 'hidden',
    subscribe(onChange) {
      doc.addEventListener('visibilitychange', onChange);
      return () => doc.removeEventListener('visibilitychange', onChange);
    },
  };
}
