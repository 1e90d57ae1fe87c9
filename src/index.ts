/**
 * `react-keyframe-video`: the browser entry (hooks and styled components). Built with a
 * `'use client'` directive. Until the hooks land, it re-exports the core's error type and
 * validation so apps import them from one place.
 */
import './styles.css';

export {
  KeyframeVideoError,
  isKeyframeVideoError,
  defaultErrorMessages,
  type ErrorMessages,
  type KeyframeVideoErrorCode,
} from './core/index.js';
