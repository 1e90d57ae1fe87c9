/**
 * `KeyframeVideoStudio`: the whole form — first and last frame with swap and the pair
 * warning, the prompt with its counter, model/resolution/template from the model table, the
 * advanced options, the estimated cost, Generate (with the reason when it cannot), Cancel and
 * Start over, the player, and the rewritten prompt. Every error sits on its field.
 * `data-state` is the job's status.
 */
import type { CSSProperties } from 'react';
import { PROMPT_MAX_LENGTH } from '../core/index.js';
import {
  useKeyframeVideo,
  type UseKeyframeVideoOptions,
  type UseKeyframeVideoResult,
} from '../react/use-keyframe-video.js';
import { AdvancedOptions } from './AdvancedOptions.js';
import { classNames } from './class-names.js';
import { CostLine, type CostDisplay } from './CostLine.js';
import { FramePair } from './FramePair.js';
import { KeyframeVideoPlayer, type KeyframeVideoPlayerProps } from './KeyframeVideoPlayer.js';
import { ModelOptions } from './ModelOptions.js';
import { RewrittenPrompt } from './RewrittenPrompt.js';
import { TextAreaField } from './TextAreaField.js';
import { useUiMessages } from './use-ui-messages.js';

/** Props of {@link KeyframeVideoStudio}. */
export interface KeyframeVideoStudioProps extends UseKeyframeVideoOptions {
  /**
   * A form made with `useKeyframeVideo` elsewhere (to share it with other parts of the page).
   * Without it the studio makes its own from the hook options (`persistKey`, `defaults`, …).
   */
  keyframeVideo?: UseKeyframeVideoResult | undefined;
  /** The cost line: `false` hides it; a function renders it (default: the messages' line). */
  cost?: CostDisplay | undefined;
  /** Props for the player (download `fetch`, file names, `<video>` props). */
  playerProps?: Omit<KeyframeVideoPlayerProps, 'keyframeVideo'> | undefined;
  /** Open the advanced options at first. */
  defaultAdvancedOpen?: boolean | undefined;
  className?: string | undefined;
  style?: CSSProperties | undefined;
}

/** Re-render interval for the elapsed time and the ETA while a video is made. */
const DEFAULT_TICK_MS = 1000;

/**
 * The complete keyframe-to-video form with its player.
 *
 * @example
 * ```tsx
 * import 'react-keyframe-video/styles.css';
 * <KeyframeVideoProvider endpoint="/api/keyframe-video">
 *   <KeyframeVideoStudio persistKey="studio" />
 * </KeyframeVideoProvider>
 * ```
 */
export function KeyframeVideoStudio(props: KeyframeVideoStudioProps) {
  return props.keyframeVideo === undefined ? (
    <OwnStudio {...props} />
  ) : (
    <StudioView {...props} keyframeVideo={props.keyframeVideo} />
  );
}

/** A studio with its own form. */
function OwnStudio(props: KeyframeVideoStudioProps) {
  const keyframeVideo = useKeyframeVideo({
    persistKey: props.persistKey,
    defaults: props.defaults,
    prepare: props.prepare,
    tick: props.tick ?? DEFAULT_TICK_MS,
  });
  return <StudioView {...props} keyframeVideo={keyframeVideo} />;
}

function StudioView(props: KeyframeVideoStudioProps & { keyframeVideo: UseKeyframeVideoResult }) {
  const { keyframeVideo: kfv, className, style } = props;
  const { ui } = useUiMessages();
  const submitProps = kfv.getSubmitButtonProps({
    onClick: (event) => {
      // Focusable while it cannot submit (so the reason can be heard): clicks do nothing.
      if (!kfv.canSubmit) event.preventDefault();
    },
  });
  const cancelProps = kfv.getCancelButtonProps({
    onClick: (event) => {
      if (!kfv.canCancel) event.preventDefault();
    },
  });

  return (
    <form
      className={classNames('kfv-root kfv-studio', className)}
      style={style}
      aria-label={ui.studioLabel}
      data-state={kfv.status}
      noValidate
      onSubmit={(event) => event.preventDefault()}
    >
      <div className="kfv-studio__layout">
        <div className="kfv-studio__inputs">
          <FramePair keyframeVideo={kfv} />
          <TextAreaField
            keyframeVideo={kfv}
            field="prompt"
            label={ui.prompt}
            hint={ui.promptHint}
            maxLength={PROMPT_MAX_LENGTH}
          />
          <ModelOptions keyframeVideo={kfv} />
          <AdvancedOptions keyframeVideo={kfv} defaultOpen={props.defaultAdvancedOpen} />
          <CostLine estimate={kfv.cost} display={props.cost} />
          <div className="kfv-studio__actions">
            <button
              {...submitProps}
              disabled={undefined}
              aria-disabled={submitProps.disabled ? true : undefined}
              className="kfv-button"
              data-variant="primary"
            >
              {ui.generate}
            </button>
            <button
              {...cancelProps}
              disabled={undefined}
              aria-disabled={cancelProps.disabled ? true : undefined}
              className="kfv-button"
              data-variant="secondary"
            >
              {ui.cancel}
            </button>
            <button
              type="button"
              className="kfv-button"
              data-variant="ghost"
              onClick={() => kfv.reset({ clearInputs: true })}
            >
              {ui.startOver}
            </button>
          </div>
          {kfv.submitReason !== undefined && (
            <p {...kfv.getSubmitReasonProps()} className="kfv-studio__reason">
              {kfv.submitReason}
            </p>
          )}
        </div>
        <div className="kfv-studio__output">
          <KeyframeVideoPlayer {...props.playerProps} keyframeVideo={kfv} />
          <RewrittenPrompt keyframeVideo={kfv} />
        </div>
      </div>
    </form>
  );
}
