/**
 * The advanced options behind a disclosure button (`aria-expanded`, `data-state` open or
 * closed): negative prompt, seed with a random pick, watermark and prompt rewriting. The panel
 * opens by itself while one of its fields has an error, so no error is hidden.
 */
import { useId, useState } from 'react';
import { NEGATIVE_PROMPT_MAX_LENGTH, SEED_MAX } from '../core/index.js';
import type { UseKeyframeVideoResult } from '../react/use-keyframe-video.js';
import { fieldA11y } from './field-a11y.js';
import { FieldError } from './FieldError.js';
import { TextAreaField } from './TextAreaField.js';
import { useUiMessages } from './use-ui-messages.js';

/** Props of {@link AdvancedOptions}. */
export interface AdvancedOptionsProps {
  keyframeVideo: UseKeyframeVideoResult;
  /** Open at first (default closed). */
  defaultOpen?: boolean | undefined;
}

/** A seed from the whole range the service takes, from the platform's random source. */
function randomSeed(): number {
  const [value = 0] = crypto.getRandomValues(new Uint32Array(1));
  return value % (SEED_MAX + 1);
}

/** Negative prompt, seed, watermark and prompt rewriting, behind a disclosure. */
export function AdvancedOptions({ keyframeVideo: kfv, defaultOpen }: AdvancedOptionsProps) {
  const { ui } = useUiMessages();
  const id = useId();
  const [expanded, setExpanded] = useState(defaultOpen === true);
  const { inputs, fieldErrors } = kfv;
  const hasError =
    fieldErrors.negativePrompt !== undefined ||
    fieldErrors.seed !== undefined ||
    fieldErrors.watermark !== undefined ||
    fieldErrors.promptExtend !== undefined;
  const open = expanded || hasError;
  const panelId = `${id}-panel`;
  return (
    <div className="kfv-disclosure" data-state={open ? 'open' : 'closed'}>
      <button
        type="button"
        className="kfv-disclosure__button"
        aria-expanded={open}
        aria-controls={panelId}
        data-state={open ? 'open' : 'closed'}
        onClick={() => setExpanded(!open)}
      >
        <span className="kfv-disclosure__icon" aria-hidden="true" />
        {ui.advancedOptions}
      </button>
      <div className="kfv-disclosure__panel" id={panelId} hidden={!open}>
        <TextAreaField
          keyframeVideo={kfv}
          field="negativePrompt"
          label={ui.negativePrompt}
          hint={ui.negativePromptHint}
          maxLength={NEGATIVE_PROMPT_MAX_LENGTH}
          rows={2}
        />

        <div className="kfv-field" data-invalid={fieldErrors.seed ? '' : undefined}>
          <label className="kfv-field__label" htmlFor={`${id}-seed`}>
            {ui.seed}
          </label>
          <p className="kfv-field__hint" id={`${id}-seed-hint`}>
            {ui.seedHint}
          </p>
          <div className="kfv-field__row">
            <input
              id={`${id}-seed`}
              className="kfv-input"
              type="number"
              inputMode="numeric"
              min={0}
              max={SEED_MAX}
              step={1}
              value={inputs.seed ?? ''}
              onChange={(event) => {
                const text = event.currentTarget.value;
                kfv.setInput('seed', text === '' ? undefined : Number(text));
              }}
              {...fieldA11y(kfv, 'seed', `${id}-seed-hint`)}
            />
            <button
              type="button"
              className="kfv-button"
              data-variant="secondary"
              onClick={() => kfv.setInput('seed', randomSeed())}
            >
              {ui.randomSeed}
            </button>
          </div>
          <FieldError keyframeVideo={kfv} field="seed" />
        </div>

        <div className="kfv-check" data-invalid={fieldErrors.watermark ? '' : undefined}>
          <input
            id={`${id}-watermark`}
            type="checkbox"
            className="kfv-checkbox"
            checked={inputs.watermark ?? false}
            onChange={(event) => kfv.setInput('watermark', event.currentTarget.checked)}
            {...fieldA11y(kfv, 'watermark')}
          />
          <label htmlFor={`${id}-watermark`}>{ui.watermark}</label>
          <FieldError keyframeVideo={kfv} field="watermark" />
        </div>

        <div className="kfv-check" data-invalid={fieldErrors.promptExtend ? '' : undefined}>
          <input
            id={`${id}-prompt-extend`}
            type="checkbox"
            className="kfv-checkbox"
            checked={inputs.promptExtend ?? true}
            onChange={(event) => kfv.setInput('promptExtend', event.currentTarget.checked)}
            {...fieldA11y(kfv, 'promptExtend', `${id}-prompt-extend-hint`)}
          />
          <label htmlFor={`${id}-prompt-extend`}>{ui.promptExtend}</label>
          <p className="kfv-field__hint" id={`${id}-prompt-extend-hint`}>
            {ui.promptExtendHint}
          </p>
          <FieldError keyframeVideo={kfv} field="promptExtend" />
        </div>
      </div>
    </div>
  );
}
