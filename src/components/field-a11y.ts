/**
 * The accessibility props of a form field that the hook has no getter for (selects, the seed,
 * check boxes): `aria-invalid` while the field has an error, and `aria-describedby` pointing at
 * its hint and its error.
 */
import type { KeyframeVideoField } from '../react/keyframe-video-state.js';
import type { UseKeyframeVideoResult } from '../react/use-keyframe-video.js';

/** `aria-invalid` and `aria-describedby` for `field`, with `hintIds` described first. */
export function fieldA11y(
  keyframeVideo: UseKeyframeVideoResult,
  field: KeyframeVideoField,
  ...hintIds: readonly (string | undefined)[]
): { 'aria-invalid': true | undefined; 'aria-describedby': string | undefined } {
  const invalid = keyframeVideo.fieldErrors[field] !== undefined;
  const ids = [...hintIds, invalid ? keyframeVideo.getFieldErrorProps(field).id : undefined];
  return {
    'aria-invalid': invalid ? true : undefined,
    'aria-describedby': ids.filter(Boolean).join(' ') || undefined,
  };
}
