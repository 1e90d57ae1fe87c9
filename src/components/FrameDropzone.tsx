/**
 * `FrameDropzone`: one frame of a keyframe video — drop a file, click or press Enter/Space to
 * choose one, or paste an image (or an image link); a preview with its size, what preparation
 * changed or why the image cannot be used, and replace/remove. `data-state` is `empty`,
 * `dragging`, `checking`, `ready` or `invalid`.
 */
import { useId, useRef, type CSSProperties, type InputHTMLAttributes, type ReactNode } from 'react';
import { FRAME_RULES } from '../core/index.js';
import { describeError } from '../react/messages.js';
import type { FrameSlot } from '../react/keyframe-video-state.js';
import type { UseKeyframeVideoResult } from '../react/use-keyframe-video.js';
import { classNames } from './class-names.js';
import { useFrameDropzone, type UseFrameDropzoneOptions } from './use-frame-dropzone.js';
import { useUiMessages } from './use-ui-messages.js';

/** Props of {@link FrameDropzone}. */
export interface FrameDropzoneProps extends UseFrameDropzoneOptions {
  /** The form this frame belongs to: the result of `useKeyframeVideo`. */
  keyframeVideo: UseKeyframeVideoResult;
  slot: FrameSlot;
  /** Replaces the label from the messages. */
  label?: string | undefined;
  /** Marks the field as optional in its label (default: the last frame is optional). */
  optional?: boolean | undefined;
  /** Extra words under the dropzone, e.g. that a template ignores this frame. */
  note?: ReactNode;
  /** Merged into the file input's props. */
  inputProps?: InputHTMLAttributes<HTMLInputElement> | undefined;
  className?: string | undefined;
  style?: CSSProperties | undefined;
}

/**
 * A drop target for the first or last frame of `keyframeVideo`.
 *
 * @example
 * ```tsx
 * const kfv = useKeyframeVideo();
 * <FrameDropzone keyframeVideo={kfv} slot="first" />
 * ```
 */
export function FrameDropzone(props: FrameDropzoneProps) {
  const { keyframeVideo, slot, note, inputProps, className, style } = props;
  const { ui, messages } = useUiMessages();
  const zone = useFrameDropzone(keyframeVideo, slot, props);
  const id = useId();
  const chooseRef = useRef<HTMLButtonElement>(null);
  const rules = props.rules ?? FRAME_RULES;
  const { frame, state } = zone;
  const label = props.label ?? zone.label;
  const optional = props.optional ?? slot === 'last';
  const field = slot === 'first' ? 'firstFrame' : 'lastFrame';
  const fieldError = keyframeVideo.fieldErrors[field];
  const chooseTextId = `${id}-choose-text`;
  const removeTextId = `${id}-remove-text`;
  const hasFrame = frame.status !== 'empty';

  let body: ReactNode;
  if (frame.status === 'preparing' || (state === 'checking' && frame.status === 'empty')) {
    body = (
      <p className="kfv-dropzone__checking">
        <span className="kfv-spinner" aria-hidden="true" />
        {ui.checkingImage}
      </p>
    );
  } else if (frame.status === 'ready') {
    const bytes = frame.file?.size;
    const known = frame.width !== undefined && frame.height !== undefined;
    body = (
      <div className="kfv-dropzone__preview">
        <img className="kfv-dropzone__image" src={frame.url} alt={ui.previewAlt(label)} />
        <div className="kfv-dropzone__details">
          {frame.name !== undefined && (
            <p className="kfv-dropzone__name" title={frame.name}>
              {frame.name}
            </p>
          )}
          <p className="kfv-dropzone__facts">
            {known
              ? ui.frameFacts({ width: frame.width, height: frame.height, bytes })
              : ui.linkedImage}
          </p>
          {frame.report &&
            (frame.report.outcome === 'kept' || frame.report.changes.length === 0 ? (
              <p className="kfv-dropzone__report">{ui.imageKept}</p>
            ) : (
              <div className="kfv-dropzone__report">
                <p>{ui.imageChanged}</p>
                <ul>
                  {frame.report.changes.map((change, index) => (
                    <li key={`${change.kind}-${String(index)}`}>
                      {ui.frameChange(change, frame.report as NonNullable<typeof frame.report>)}
                    </li>
                  ))}
                </ul>
              </div>
            ))}
        </div>
      </div>
    );
  } else if (frame.status === 'invalid') {
    body = frame.name !== undefined && (
      <p className="kfv-dropzone__name" title={frame.name}>
        {frame.name}
      </p>
    );
  } else {
    body = (
      <p className="kfv-dropzone__hint" id={zone.ids.hint}>
        {ui.dropHint(rules)}
      </p>
    );
  }

  let problems: ReactNode;
  if (zone.rejection !== undefined) {
    problems = <p>{zone.rejection}</p>;
  } else if (frame.status === 'invalid' && frame.check && frame.check.problems.length > 0) {
    const { check } = frame;
    problems = (
      <>
        <p>{ui.imageProblems}</p>
        <ul>
          {check.problems.map((problem, index) => (
            <li key={`${problem.reason}-${String(index)}`}>
              {ui.frameProblem(problem, check, rules)}
            </li>
          ))}
        </ul>
      </>
    );
  } else if (frame.status === 'invalid') {
    problems = <p>{describeError(frame.error, messages)}</p>;
  } else if (fieldError) {
    problems = <p>{describeError(fieldError, messages)}</p>;
  }

  return (
    <div
      {...zone.getRootProps({ className: classNames('kfv-root kfv-dropzone', className), style })}
      data-dragging={state === 'dragging' ? '' : undefined}
      data-invalid={state === 'invalid' ? '' : undefined}
    >
      <label {...zone.getLabelProps()} className="kfv-dropzone__label">
        {label}
        {optional && <span className="kfv-dropzone__optional"> ({ui.optional})</span>}
      </label>
      <input {...zone.getInputProps(inputProps)} />
      <div className="kfv-dropzone__body">
        {body}
        {state === 'dragging' && (
          <p className="kfv-dropzone__drop-message" aria-hidden="true">
            {zone.isDragReject ? ui.dropRejected : ui.dropNow}
          </p>
        )}
      </div>
      {state === 'invalid' && problems !== undefined && (
        <div {...zone.getErrorProps()} className="kfv-dropzone__error">
          {problems}
        </div>
      )}
      {/* The hint is always somewhere to point at: hidden once a frame is there. */}
      {frame.status !== 'empty' && (
        <p className="kfv-visually-hidden" id={zone.ids.hint}>
          {ui.dropHint(rules)}
        </p>
      )}
      {note !== undefined && <div className="kfv-dropzone__note">{note}</div>}
      <div className="kfv-dropzone__actions">
        <button
          {...zone.getChooseButtonProps(chooseTextId)}
          ref={chooseRef}
          className="kfv-button"
          data-variant={hasFrame ? 'secondary' : 'primary'}
        >
          <span id={chooseTextId}>{hasFrame ? ui.replaceImage : ui.chooseImage}</span>
        </button>
        {hasFrame && (
          <button
            {...zone.getRemoveButtonProps(removeTextId)}
            onClick={() => {
              zone.remove();
              // The remove button goes away: keep the keyboard user in the dropzone.
              chooseRef.current?.focus();
            }}
            className="kfv-button"
            data-variant="secondary"
          >
            <span id={removeTextId}>{ui.removeImage}</span>
          </button>
        )}
      </div>
    </div>
  );
}
