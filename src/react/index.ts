/**
 * The React layer: headless hooks over the core's stores, and the provider that configures
 * them. Re-exported by the browser entry (`react-keyframe-video`).
 */
export { useTaskPoll, type UseTaskPollOptions, type UseTaskPollResult } from './use-task-poll.js';
export {
  useKeyframeVideo,
  type KeyframeVideoButtonProps,
  type KeyframeVideoFileInputProps,
  type KeyframeVideoProgress,
  type KeyframeVideoStatusProps,
  type KeyframeVideoTextFieldProps,
  type Merged,
  type PropGetter,
  type UseKeyframeVideoOptions,
  type UseKeyframeVideoResult,
} from './use-keyframe-video.js';
export {
  KeyframeVideoProvider,
  useKeyframeVideoConfig,
  type KeyframeVideoConfig,
  type KeyframeVideoProviderProps,
} from './provider.js';
export {
  defaultKeyframeVideoMessages,
  describeError,
  type KeyframeVideoMessages,
  type KeyframeVideoMessagesInput,
} from './messages.js';
export { defaultUiMessages, type FrameFacts, type KeyframeVideoUiMessages } from './ui-messages.js';
export { messagesZhCN } from './messages-zh-cn.js';
export {
  createIndexedDbFrameStore,
  createMemoryFrameStore,
  type FrameStore,
  type IndexedDbFrameStoreOptions,
  type StoredFrame,
} from './frame-store.js';
export type {
  FramePreparation,
  PrepareFrameContext,
  PrepareFrameFunction,
  PreparedFrameOutput,
} from './frame-processing.js';
export {
  fieldForParam,
  type FrameSlot,
  type FrameValue,
  type KeyframeVideoActivePhase,
  type KeyframeVideoField,
  type KeyframeVideoFrame,
  type KeyframeVideoInputs,
  type KeyframeVideoJob,
  type KeyframeVideoPhase,
  type KeyframeVideoResult,
  type KeyframeVideoStatus,
} from './keyframe-video-state.js';
