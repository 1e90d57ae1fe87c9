/**
 * A labelled text area with a hint, a character counter against the service's limit and the
 * field's error — for the prompt and the negative prompt. The text area's props come from the
 * hook's getter (`getPromptProps` / `getNegativePromptProps`), so value, `aria-invalid` and the
 * error link are the hook's.
 */
import { useId } from 'react';
import type { KeyframeVideoTextFieldProps } from '../react/use-keyframe-video.js';
import type { UseKeyframeVideoResult } from '../react/use-keyframe-video.js';
import { codePointCount } from './code-points.js';
import { FieldError } from './FieldError.js';
import { useUiMessages } from './use-ui-messages.js';

/** Props of {@link TextAreaField}. */
export interface TextAreaFieldProps {
  keyframeVideo: UseKeyframeVideoResult;
  field: 'prompt' | 'negativePrompt';
  label: string;
  hint: string;
  /** The longest text the service takes, in code points. */
  maxLength: number;
  rows?: number | undefined;
}

/** The prompt (or negative prompt) with its label, hint, counter and error. */
export function TextAreaField(props: TextAreaFieldProps) {
  const { keyframeVideo: kfv, field, label, hint, maxLength } = props;
  const { ui } = useUiMessages();
  const id = useId();
  const hintId = `${id}-hint`;
  const counterId = `${id}-counter`;
  const getter = field === 'prompt' ? kfv.getPromptProps : kfv.getNegativePromptProps;
  const textProps: KeyframeVideoTextFieldProps = getter({
    'aria-describedby': `${hintId} ${counterId}`,
  });
  const count = codePointCount(textProps.value);
  const over = count > maxLength;
  return (
    <div className="kfv-field" data-invalid={textProps['aria-invalid'] ? '' : undefined}>
      <label className="kfv-field__label" htmlFor={textProps.id}>
        {label}
      </label>
      <p className="kfv-field__hint" id={hintId}>
        {hint}
      </p>
      <textarea {...textProps} className="kfv-textarea" rows={props.rows ?? 4} />
      <p className="kfv-field__counter" id={counterId} data-invalid={over ? '' : undefined}>
        {ui.characterCount(count, maxLength)}
      </p>
      <FieldError keyframeVideo={kfv} field={field} />
    </div>
  );
}
