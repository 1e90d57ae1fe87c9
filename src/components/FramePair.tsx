/**
 * The first and last frame side by side (stacked on narrow screens) with a swap button, and
 * the warning when their shapes differ, with the action that fits the last frame to the first.
 */
import { FrameDropzone } from './FrameDropzone.js';
import type { UseKeyframeVideoResult } from '../react/use-keyframe-video.js';
import { useFitLastFrame } from './use-fit-last-frame.js';
import { useUiMessages } from './use-ui-messages.js';

/** Props of {@link FramePair}. */
export interface FramePairProps {
  keyframeVideo: UseKeyframeVideoResult;
}

/** Two frame dropzones, swap, and the pair warning. */
export function FramePair({ keyframeVideo: kfv }: FramePairProps) {
  const { ui } = useUiMessages();
  const fitting = useFitLastFrame(kfv);
  const { first, last } = kfv.frames;
  const templateOn = kfv.inputs.template !== undefined;
  const sizes =
    first.status === 'ready' &&
    last.status === 'ready' &&
    first.width !== undefined &&
    first.height !== undefined &&
    last.width !== undefined &&
    last.height !== undefined
      ? {
          first: { width: first.width, height: first.height },
          last: { width: last.width, height: last.height },
        }
      : undefined;
  const warning =
    kfv.pairWarning !== undefined && !templateOn
      ? sizes
        ? ui.pairWarning(sizes.first, sizes.last)
        : kfv.pairWarning
      : undefined;

  return (
    <div className="kfv-frames">
      <div className="kfv-frames__row">
        <FrameDropzone keyframeVideo={kfv} slot="first" />
        <button
          type="button"
          className="kfv-button kfv-frames__swap"
          data-variant="icon"
          aria-label={ui.swapFrames}
          title={ui.swapFrames}
          onClick={kfv.swapFrames}
        >
          <span aria-hidden="true">⇄</span>
        </button>
        <FrameDropzone
          keyframeVideo={kfv}
          slot="last"
          className={templateOn ? 'kfv-dropzone--ignored' : undefined}
          note={templateOn ? ui.templateIgnoresLastFrame : undefined}
        />
      </div>
      {warning !== undefined && (
        <div className="kfv-frames__warning" data-state={fitting.state}>
          <p>{warning}</p>
          {fitting.canFit && (
            <button
              type="button"
              className="kfv-button"
              data-variant="secondary"
              aria-disabled={fitting.state === 'fitting' ? true : undefined}
              onClick={fitting.fit}
            >
              {fitting.state === 'fitting' ? ui.fittingLastFrame : ui.fitLastFrame}
            </button>
          )}
          {fitting.state === 'failed' && <p className="kfv-field__error">{ui.fitFailed}</p>}
        </div>
      )}
    </div>
  );
}
