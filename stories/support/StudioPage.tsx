/** A story's page: the provider (endpoint, memory storage, the fast schedule) around children. */
import { useState, type ReactNode } from 'react';
import type { Decorator } from '@storybook/react-vite';
import { createMemoryStorage } from '../../src/core/index.js';
import {
  createMemoryFrameStore,
  KeyframeVideoProvider,
  type KeyframeVideoProviderProps,
} from '../../src/index.js';
import { ENDPOINT, storySchedule } from './service.js';

export function StoryProvider(props: {
  children: ReactNode;
  messages?: KeyframeVideoProviderProps['messages'];
}) {
  // One storage per mounted story: nothing leaks between stories.
  const [resources] = useState(() => ({
    storage: createMemoryStorage(),
    frameStore: createMemoryFrameStore(),
  }));
  return (
    <KeyframeVideoProvider
      endpoint={ENDPOINT}
      schedule={storySchedule}
      storage={resources.storage}
      frameStore={resources.frameStore}
      messages={props.messages}
    >
      {props.children}
    </KeyframeVideoProvider>
  );
}

/** The decorator that puts a story on its page (stories with their own `messages` wrap it). */
export const withStoryProvider: Decorator = (Story) => (
  <StoryProvider>
    <Story />
  </StoryProvider>
);
