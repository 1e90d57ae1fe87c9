/**
 * The React context the provider fills, and the poller registry of a page without a provider.
 * Internal: hooks read this (`useTaskPoll` only its registry, clock and jitter), so a hook does
 * not load what it does not use. Apps read `useKeyframeVideoConfig()`, which adds the
 * components' words.
 */
import { createContext } from 'react';
import { createPollerRegistry, type TaskPollerRegistry } from '../core/index.js';
import type { HookMessages } from './hook-messages.js';
import type { KeyframeVideoConfig } from './provider.js';
import type { KeyframeVideoUiMessages } from './ui-messages.js';

/**
 * The configuration as the hooks hold it: the hooks' texts resolved, the components' words
 * (`ui`) as the app gave them (the components merge them over `defaultUiMessages`).
 */
export interface HooksConfig extends Omit<KeyframeVideoConfig, 'messages'> {
  readonly messages: HookMessages;
  readonly uiMessages: Partial<KeyframeVideoUiMessages> | undefined;
}

/** The nearest provider's configuration; undefined without a provider. */
export const HooksConfigContext = createContext<HooksConfig | undefined>(undefined);

let pageRegistry: TaskPollerRegistry | undefined;

/**
 * One registry for a whole page without a provider: hooks there share poll streams too. Call
 * it only in a browser (a server render must leave nothing behind).
 */
export function pagePollerRegistry(): TaskPollerRegistry {
  pageRegistry ??= createPollerRegistry();
  return pageRegistry;
}
