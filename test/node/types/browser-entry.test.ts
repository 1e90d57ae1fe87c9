// Type tests for every runtime export of `react-keyframe-video` (the browser entry). The hooks'
// state unions and options are tested in depth in test/jsdom/types.test.ts; here every export
// has its signature pinned, and misuse an app could write is a type error. Checked by
// `tsc -p tsconfig.json` and run as tests; test/node/types/coverage.test.ts fails when an export
// of this entry has no `expectTypeOf` here (or in the jsdom file).
import type { JSX, ReactNode } from 'react';
import { describe, expectTypeOf, test } from 'vitest';
import type * as Core from '../../../src/core/index.js';
import {
  FrameDropzone,
  KeyframeVideoError,
  KeyframeVideoPlayer,
  KeyframeVideoProvider,
  KeyframeVideoStudio,
  createIndexedDbFrameStore,
  createMemoryFrameStore,
  defaultErrorMessages,
  defaultKeyframeVideoMessages,
  defaultUiMessages,
  describeError,
  fieldForParam,
  isKeyframeVideoError,
  messagesZhCN,
  saveVideo,
  useFitLastFrame,
  useFrameDropzone,
  useKeyframeVideo,
  useKeyframeVideoConfig,
  useTaskPoll,
  videoFileName,
  type FitLastFrameState,
  type FrameDropzoneProps,
  type FrameDropzoneState,
  type FrameSlot,
  type FrameStore,
  type IndexedDbFrameStoreOptions,
  type KeyframeVideoConfig,
  type KeyframeVideoField,
  type KeyframeVideoMessages,
  type KeyframeVideoMessagesInput,
  type KeyframeVideoPlayerProps,
  type KeyframeVideoProviderProps,
  type KeyframeVideoStudioProps,
  type KeyframeVideoUiMessages,
  type SaveVideoOptions,
  type SaveVideoOutcome,
  type StoredFrame,
  type UseFitLastFrameResult,
  type UseFrameDropzoneOptions,
  type UseFrameDropzoneResult,
  type UseKeyframeVideoResult,
  type UseTaskPollOptions,
  type UseTaskPollResult,
  type VideoFileNameInput,
} from '../../../src/index.js';

describe('the core names the browser entry re-exports', () => {
  test('are the core’s own, not copies', () => {
    expectTypeOf(KeyframeVideoError).toEqualTypeOf<typeof Core.KeyframeVideoError>();
    expectTypeOf(isKeyframeVideoError).toEqualTypeOf<typeof Core.isKeyframeVideoError>();
    expectTypeOf(defaultErrorMessages).toEqualTypeOf<Core.ErrorMessages>();
  });

  test('isKeyframeVideoError narrows', () => {
    const check = (value: unknown) => {
      if (isKeyframeVideoError(value)) expectTypeOf(value).toEqualTypeOf<KeyframeVideoError>();
    };
    expectTypeOf(check).toBeFunction();
    expectTypeOf(isKeyframeVideoError).guards.toEqualTypeOf<KeyframeVideoError>();
  });
});

describe('hooks', () => {
  test('useTaskPoll and useKeyframeVideo (see test/jsdom/types.test.ts for their states)', () => {
    expectTypeOf(useTaskPoll<number>).parameters.toEqualTypeOf<
      [taskId: string | null, options: UseTaskPollOptions<number>]
    >();
    expectTypeOf(useTaskPoll<number>).returns.toEqualTypeOf<UseTaskPollResult<number>>();
    expectTypeOf(useKeyframeVideo).returns.toEqualTypeOf<UseKeyframeVideoResult>();
  });

  test('useKeyframeVideoConfig reads the provider’s resolved configuration', () => {
    expectTypeOf(useKeyframeVideoConfig).parameters.toEqualTypeOf<[]>();
    expectTypeOf(useKeyframeVideoConfig).returns.toEqualTypeOf<KeyframeVideoConfig>();
    expectTypeOf<KeyframeVideoConfig['client']>().toEqualTypeOf<Core.KeyframeVideoClient>();
    expectTypeOf<KeyframeVideoConfig['messages']>().toEqualTypeOf<KeyframeVideoMessages>();
    expectTypeOf<KeyframeVideoConfig['clock']>().toEqualTypeOf<Core.Clock>();
  });

  test('useFrameDropzone takes a form and a slot', () => {
    expectTypeOf(useFrameDropzone).parameters.toEqualTypeOf<
      [keyframeVideo: UseKeyframeVideoResult, slot: FrameSlot, options?: UseFrameDropzoneOptions]
    >();
    expectTypeOf(useFrameDropzone).returns.toEqualTypeOf<UseFrameDropzoneResult>();
    expectTypeOf<UseFrameDropzoneResult['state']>().toEqualTypeOf<FrameDropzoneState>();
    expectTypeOf<FrameDropzoneState>().toEqualTypeOf<
      'empty' | 'dragging' | 'checking' | 'ready' | 'invalid'
    >();
    expectTypeOf<UseFrameDropzoneResult['getRootProps']>()
      .returns.toHaveProperty('data-state')
      .toEqualTypeOf<FrameDropzoneState>();
    expectTypeOf<'middle'>().not.toMatchTypeOf<Parameters<typeof useFrameDropzone>[1]>();
  });

  test('useFitLastFrame', () => {
    expectTypeOf(useFitLastFrame).parameters.toEqualTypeOf<
      [keyframeVideo: UseKeyframeVideoResult]
    >();
    expectTypeOf(useFitLastFrame).returns.toEqualTypeOf<UseFitLastFrameResult>();
    expectTypeOf<UseFitLastFrameResult['state']>().toEqualTypeOf<FitLastFrameState>();
    expectTypeOf<FitLastFrameState>().toEqualTypeOf<'idle' | 'fitting' | 'failed'>();
    expectTypeOf<UseFitLastFrameResult['fit']>().toEqualTypeOf<() => void>();
  });
});

describe('components', () => {
  test('each takes its props and renders an element', () => {
    expectTypeOf(KeyframeVideoProvider).parameters.toEqualTypeOf<
      [props: KeyframeVideoProviderProps]
    >();
    expectTypeOf(KeyframeVideoStudio).parameters.toEqualTypeOf<[props: KeyframeVideoStudioProps]>();
    expectTypeOf(KeyframeVideoPlayer).parameters.toEqualTypeOf<[props: KeyframeVideoPlayerProps]>();
    expectTypeOf(FrameDropzone).parameters.toEqualTypeOf<[props: FrameDropzoneProps]>();
    expectTypeOf(KeyframeVideoStudio).returns.toEqualTypeOf<JSX.Element>();
    expectTypeOf(KeyframeVideoProvider).returns.toEqualTypeOf<JSX.Element>();
    expectTypeOf(KeyframeVideoPlayer).returns.toEqualTypeOf<JSX.Element>();
    expectTypeOf(FrameDropzone).returns.toEqualTypeOf<JSX.Element>();
  });

  test('the studio needs nothing; the player and a dropzone need a form', () => {
    expectTypeOf<Record<string, never>>().toMatchTypeOf<KeyframeVideoStudioProps>();
    expectTypeOf<{ persistKey: 'page'; cost: false }>().toMatchTypeOf<KeyframeVideoStudioProps>();
    expectTypeOf<{ cost: true }>().not.toMatchTypeOf<KeyframeVideoStudioProps>();
    expectTypeOf<(estimate: Core.CostEstimate | undefined) => ReactNode>().toMatchTypeOf<
      KeyframeVideoStudioProps['cost']
    >();
    expectTypeOf<Record<string, never>>().not.toMatchTypeOf<KeyframeVideoPlayerProps>();
    expectTypeOf<
      KeyframeVideoPlayerProps['keyframeVideo']
    >().toEqualTypeOf<UseKeyframeVideoResult>();
    expectTypeOf<{
      keyframeVideo: UseKeyframeVideoResult;
    }>().not.toMatchTypeOf<FrameDropzoneProps>();
    expectTypeOf<{
      keyframeVideo: UseKeyframeVideoResult;
      slot: 'last';
    }>().toMatchTypeOf<FrameDropzoneProps>();
  });

  test('the provider takes messages as a partial table', () => {
    expectTypeOf<KeyframeVideoProviderProps['messages']>().toEqualTypeOf<
      KeyframeVideoMessagesInput | undefined
    >();
    expectTypeOf<{
      messages: { ui: { generate: 'Make it' } };
    }>().toMatchTypeOf<KeyframeVideoProviderProps>();
    expectTypeOf<{
      messages: { ui: { generate: 42 } };
    }>().not.toMatchTypeOf<KeyframeVideoProviderProps>();
    expectTypeOf<{
      messages: { ui: { noSuchWord: 'x' } };
    }>().not.toMatchTypeOf<KeyframeVideoProviderProps>();
  });
});

describe('messages', () => {
  test('the English and Chinese tables are complete tables', () => {
    expectTypeOf(defaultKeyframeVideoMessages).toEqualTypeOf<KeyframeVideoMessages>();
    expectTypeOf(messagesZhCN).toEqualTypeOf<KeyframeVideoMessages>();
    expectTypeOf(defaultUiMessages).toEqualTypeOf<KeyframeVideoUiMessages>();
    expectTypeOf<KeyframeVideoMessages['ui']>().toEqualTypeOf<KeyframeVideoUiMessages>();
  });

  test('the input has every key of the table, each part optional and partial', () => {
    expectTypeOf<keyof KeyframeVideoMessagesInput>().toEqualTypeOf<keyof KeyframeVideoMessages>();
    expectTypeOf<KeyframeVideoMessagesInput['ui']>().toEqualTypeOf<
      Partial<KeyframeVideoUiMessages> | undefined
    >();
    expectTypeOf<KeyframeVideoMessagesInput['status']>().toEqualTypeOf<
      Partial<KeyframeVideoMessages['status']> | undefined
    >();
    expectTypeOf<KeyframeVideoMessagesInput['errors']>().toEqualTypeOf<
      Partial<Core.ErrorMessages> | undefined
    >();
    expectTypeOf<KeyframeVideoMessagesInput['retryingIn']>().toEqualTypeOf<
      ((seconds: number) => string) | undefined
    >();
    expectTypeOf(messagesZhCN).toMatchTypeOf<KeyframeVideoMessagesInput>();
    expectTypeOf({ ui: { locale: 'de' } }).toMatchTypeOf<KeyframeVideoMessagesInput>();
  });

  test('describeError takes the resolved table', () => {
    expectTypeOf(describeError).parameters.toEqualTypeOf<
      [error: KeyframeVideoError, messages?: KeyframeVideoMessages]
    >();
    expectTypeOf(describeError).returns.toEqualTypeOf<string>();
  });
});

describe('state helpers', () => {
  test('fieldForParam maps a wire field to a form field', () => {
    expectTypeOf(fieldForParam).parameters.toEqualTypeOf<[param: string | undefined]>();
    expectTypeOf(fieldForParam).returns.toEqualTypeOf<KeyframeVideoField | undefined>();
  });
});

describe('frame stores', () => {
  test('memory and IndexedDB stores share one interface', () => {
    expectTypeOf(createMemoryFrameStore).toEqualTypeOf<() => FrameStore>();
    expectTypeOf(createIndexedDbFrameStore).parameters.toEqualTypeOf<
      [options?: IndexedDbFrameStoreOptions]
    >();
    expectTypeOf(createIndexedDbFrameStore).returns.toEqualTypeOf<FrameStore>();
    expectTypeOf<FrameStore['load']>().returns.toEqualTypeOf<Promise<StoredFrame | undefined>>();
    expectTypeOf<FrameStore['save']>().parameters.toEqualTypeOf<
      [key: string, frame: StoredFrame]
    >();
    expectTypeOf<StoredFrame['bytes']>().toEqualTypeOf<Uint8Array>();
  });
});

describe('downloads', () => {
  test('saveVideo never rejects: it resolves with what happened', () => {
    expectTypeOf(saveVideo).parameters.toEqualTypeOf<[url: string, options: SaveVideoOptions]>();
    expectTypeOf(saveVideo).returns.toEqualTypeOf<Promise<SaveVideoOutcome>>();
    expectTypeOf<SaveVideoOutcome>().toEqualTypeOf<'saved' | 'opened' | 'aborted'>();
    expectTypeOf<{ fileName: (type: string) => string }>().toMatchTypeOf<SaveVideoOptions>();
    expectTypeOf<{ fileName: 'video.mp4' }>().not.toMatchTypeOf<SaveVideoOptions>();
  });

  test('videoFileName', () => {
    expectTypeOf(videoFileName).parameters.toEqualTypeOf<[input: VideoFileNameInput]>();
    expectTypeOf(videoFileName).returns.toEqualTypeOf<string>();
    expectTypeOf<{ madeAt: number }>().toMatchTypeOf<VideoFileNameInput>();
    expectTypeOf<{ prompt: string }>().not.toMatchTypeOf<VideoFileNameInput>();
  });
});
