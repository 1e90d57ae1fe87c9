/**
 * A field's error, under the field, with the id the field's `aria-describedby` points at.
 * Renders nothing while the field is fine.
 */
import { describeError } from '../react/messages.js';
import type { KeyframeVideoField } from '../react/keyframe-video-state.js';
import type { UseKeyframeVideoResult } from '../react/use-keyframe-video.js';
import { useUiMessages } from './use-ui-messages.js';

/** Props of {@link FieldError}. */
export interface FieldErrorProps {
  keyframeVideo: UseKeyframeVideoResult;
  field: KeyframeVideoField;
}

/** The error of `field`, in words, or nothing. */
export function FieldError({ keyframeVideo, field }: FieldErrorProps) {
  const { messages } = useUiMessages();
  const error = keyframeVideo.fieldErrors[field];
  if (!error) return null;
  return (
    <p {...keyframeVideo.getFieldErrorProps(field)} className="kfv-field__error">
      {describeError(error, messages)}
    </p>
  );
}
