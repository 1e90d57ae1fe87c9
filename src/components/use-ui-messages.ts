/**
 * The styled components' words: the `ui` part of the provider's message table (English
 * without a provider), with the rest of the table for status texts and error sentences.
 * Components read every string through this, never a literal.
 */
import type { KeyframeVideoMessages } from '../react/messages.js';
import { useKeyframeVideoConfig } from '../react/provider.js';
import type { KeyframeVideoUiMessages } from '../react/ui-messages.js';

/** The `ui` table and the whole table of the nearest provider. */
export function useUiMessages(): {
  readonly ui: KeyframeVideoUiMessages;
  readonly messages: KeyframeVideoMessages;
} {
  const { messages } = useKeyframeVideoConfig();
  return { ui: messages.ui, messages };
}
