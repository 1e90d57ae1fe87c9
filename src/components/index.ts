/**
 * The styled components: each is a hook from `src/react` plus markup and the classes of
 * `styles.css`. Re-exported by the browser entry (`react-keyframe-video`).
 */
export { FrameDropzone, type FrameDropzoneProps } from './FrameDropzone.js';
export {
  useFrameDropzone,
  type FrameDropzoneButtonProps,
  type FrameDropzoneRootProps,
  type FrameDropzoneState,
  type UseFrameDropzoneOptions,
  type UseFrameDropzoneResult,
} from './use-frame-dropzone.js';
export { KeyframeVideoPlayer, type KeyframeVideoPlayerProps } from './KeyframeVideoPlayer.js';
export { KeyframeVideoStudio, type KeyframeVideoStudioProps } from './KeyframeVideoStudio.js';
export type { CostDisplay } from './CostLine.js';
export {
  useFitLastFrame,
  type FitLastFrameState,
  type UseFitLastFrameResult,
} from './use-fit-last-frame.js';
export { saveVideo, type SaveVideoOptions, type SaveVideoOutcome } from './save-video.js';
export { videoFileName, type VideoFileNameInput } from './video-file-name.js';
