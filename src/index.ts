/**
 * `react-keyframe-video`: the browser entry (hooks and styled components). Built with a
 * `'use client'` directive. It also re-exports the core's error type so apps import it from one
 * place.
 */

export {
  KeyframeVideoError,
  isKeyframeVideoError,
  defaultErrorMessages,
  type ErrorMessages,
  type KeyframeVideoErrorCode,
} from './core/index.js';

export * from './react/index.js';
export * from './components/index.js';
