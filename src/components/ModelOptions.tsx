/**
 * The model, resolution and effect-template selects, generated from the provider's model
 * table: adding a model to the table adds it here. The template select appears only for
 * models that have templates, and says that the last frame is then ignored.
 */
import { useId } from 'react';
import { useKeyframeVideoConfig } from '../react/provider.js';
import type { UseKeyframeVideoResult } from '../react/use-keyframe-video.js';
import { fieldA11y } from './field-a11y.js';
import { FieldError } from './FieldError.js';
import { useUiMessages } from './use-ui-messages.js';

/** Props of {@link ModelOptions}. */
export interface ModelOptionsProps {
  keyframeVideo: UseKeyframeVideoResult;
}

/** Model, resolution and (where the model has them) template. */
export function ModelOptions({ keyframeVideo: kfv }: ModelOptionsProps) {
  const { ui } = useUiMessages();
  const { models } = useKeyframeVideoConfig();
  const id = useId();
  const { inputs, model } = kfv;
  const templateHintId = `${id}-template-hint`;
  return (
    <div className="kfv-options">
      <div className="kfv-field" data-invalid={kfv.fieldErrors.model ? '' : undefined}>
        <label className="kfv-field__label" htmlFor={`${id}-model`}>
          {ui.model}
        </label>
        <select
          id={`${id}-model`}
          className="kfv-select"
          value={inputs.model}
          onChange={(event) => kfv.setInputs({ model: event.currentTarget.value })}
          {...fieldA11y(kfv, 'model')}
        >
          {model === undefined && <option value={inputs.model}>{inputs.model}</option>}
          {Object.values(models).map((entry) => (
            <option key={entry.id} value={entry.id}>
              {entry.label}
            </option>
          ))}
        </select>
        <FieldError keyframeVideo={kfv} field="model" />
      </div>

      {model !== undefined && (
        <div className="kfv-field" data-invalid={kfv.fieldErrors.resolution ? '' : undefined}>
          <label className="kfv-field__label" htmlFor={`${id}-resolution`}>
            {ui.resolution}
          </label>
          <select
            id={`${id}-resolution`}
            className="kfv-select"
            value={inputs.resolution ?? model.defaultResolution}
            onChange={(event) => kfv.setInput('resolution', event.currentTarget.value)}
            {...fieldA11y(kfv, 'resolution')}
          >
            {model.resolutions.map((resolution) => (
              <option key={resolution} value={resolution}>
                {resolution === model.defaultResolution ? ui.defaultOption(resolution) : resolution}
              </option>
            ))}
          </select>
          <FieldError keyframeVideo={kfv} field="resolution" />
        </div>
      )}

      {model !== undefined && model.templates.length > 0 && (
        <div className="kfv-field" data-invalid={kfv.fieldErrors.template ? '' : undefined}>
          <label className="kfv-field__label" htmlFor={`${id}-template`}>
            {ui.template}
          </label>
          <select
            id={`${id}-template`}
            className="kfv-select"
            value={inputs.template ?? ''}
            onChange={(event) => {
              const value = event.currentTarget.value;
              kfv.setInput('template', value === '' ? undefined : value);
            }}
            {...fieldA11y(kfv, 'template', templateHintId)}
          >
            <option value="">{ui.noTemplate}</option>
            {model.templates.map((template) => (
              <option key={template} value={template}>
                {template}
              </option>
            ))}
          </select>
          <p className="kfv-field__hint" id={templateHintId}>
            {ui.templateIgnoresLastFrame}
          </p>
          <FieldError keyframeVideo={kfv} field="template" />
        </div>
      )}
    </div>
  );
}
