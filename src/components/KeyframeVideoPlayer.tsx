/**
 * `KeyframeVideoPlayer`: the job's outcome — the first frame as a poster while the video is
 * made, progress (with an ETA when this browser has seen such videos before) and the time
 * so far, then the native player with a download button and a countdown to the link's 24-hour
 * expiry; failed, expired and canceled jobs say what happened and offer the next step. Each
 * phase is announced once in a polite live region. `data-state` is the job's status.
 */
import type { CSSProperties, VideoHTMLAttributes } from 'react';
import { useKeyframeVideoConfig } from '../react/provider.js';
import type { KeyframeVideoResult, KeyframeVideoStatus } from '../react/keyframe-video-state.js';
import type { UseKeyframeVideoResult } from '../react/use-keyframe-video.js';
import { useTick } from '../react/use-tick.js';
import { classNames } from './class-names.js';
import { DownloadButton } from './DownloadButton.js';
import { useUiMessages } from './use-ui-messages.js';
import { videoFileName } from './video-file-name.js';

/** Props of {@link KeyframeVideoPlayer}. */
export interface KeyframeVideoPlayerProps {
  /** The job to show: the result of `useKeyframeVideo`. */
  keyframeVideo: UseKeyframeVideoResult;
  /** The fetch the download reads the video with (default: the global one). */
  fetch?: typeof fetch | undefined;
  /** The downloaded file's name (default: date and the prompt's first words). */
  fileName?: ((result: KeyframeVideoResult, type: string) => string) | undefined;
  /** Merged into the `<video>` element's props. */
  videoProps?: VideoHTMLAttributes<HTMLVideoElement> | undefined;
  className?: string | undefined;
  style?: CSSProperties | undefined;
}

/** The statuses in which a video is on its way. */
const WAITING: ReadonlySet<KeyframeVideoStatus> = new Set([
  'preparing',
  'submitting',
  'queued',
  'running',
  'retrying',
]);

/** The statuses whose error sentence belongs in the announcement. */
const ANNOUNCE_ERROR: ReadonlySet<KeyframeVideoStatus> = new Set(['failed', 'expired', 'error']);

/** How often the expiry countdown is refreshed (it shows minutes). */
const COUNTDOWN_TICK_MS = 15_000;

/**
 * Shows the video of `keyframeVideo` and everything about getting it. For a ticking elapsed
 * time and ETA, create the hook with `tick` (the Studio uses 1 s).
 *
 * @example
 * ```tsx
 * const kfv = useKeyframeVideo({ tick: 1000 });
 * <KeyframeVideoPlayer keyframeVideo={kfv} />
 * ```
 */
export function KeyframeVideoPlayer(props: KeyframeVideoPlayerProps) {
  const { keyframeVideo: kfv, fetch, videoProps, className, style } = props;
  const { ui, messages } = useUiMessages();
  const { clock } = useKeyframeVideoConfig();
  const { status, progress, result, frames } = kfv;
  useTick(clock, COUNTDOWN_TICK_MS, status === 'succeeded');

  const first = frames.first;
  const poster = first.status === 'ready' ? first.url : undefined;
  const aspect =
    first.status === 'ready' && first.width !== undefined && first.height !== undefined
      ? `${String(first.width)} / ${String(first.height)}`
      : undefined;
  const src = status === 'succeeded' ? kfv.videoUrl : undefined;
  const waiting = WAITING.has(status);

  // Announced once per status: the ticking texts (ETA, retry wait) stay out of the live region.
  const reason = ANNOUNCE_ERROR.has(status) ? kfv.errorMessage : undefined;

  const remainingMs = kfv.expiresAt === undefined ? undefined : kfv.expiresAt - clock.now();
  const fileName = (type: string): string =>
    result === undefined
      ? videoFileName({ madeAt: clock.now(), type })
      : (props.fileName?.(result, type) ??
        videoFileName({
          prompt: result.origPrompt ?? kfv.inputs.prompt,
          madeAt: result.endedAt ?? clock.now(),
          type,
        }));

  let nextAction: string | undefined;
  if (status === 'failed' || status === 'error') nextAction = ui.retry;
  else if (status === 'retrying') nextAction = ui.retryNow;
  else if (status === 'expired' || status === 'canceled') nextAction = ui.generateAgain;

  return (
    <div className={classNames('kfv-root kfv-player', className)} style={style} data-state={status}>
      <div
        className="kfv-player__stage"
        style={aspect === undefined ? undefined : ({ aspectRatio: aspect } as CSSProperties)}
      >
        {src !== undefined || poster !== undefined ? (
          <video
            className="kfv-player__video"
            aria-label={ui.videoLabel}
            poster={poster}
            src={src}
            controls={src !== undefined}
            playsInline
            // kf2v videos have no sound track.
            muted
            preload={src === undefined ? 'none' : 'metadata'}
            {...videoProps}
          />
        ) : (
          <p className="kfv-player__placeholder">{ui.videoPlaceholder}</p>
        )}
        {waiting && <span className="kfv-player__shimmer" aria-hidden="true" />}
      </div>

      <p {...kfv.getStatusProps()} className="kfv-player__status">
        <span className="kfv-player__status-text">{messages.status[status]}</span>
        {reason !== undefined && ` ${reason}`}
      </p>

      {waiting && (
        <div className="kfv-player__progress">
          {progress.fraction === undefined ? (
            <progress className="kfv-progress" aria-label={ui.progressLabel} />
          ) : (
            <progress
              className="kfv-progress"
              aria-label={ui.progressLabel}
              max={1}
              value={progress.fraction}
            />
          )}
          <p className="kfv-player__timing">
            {status === 'retrying' ? (
              <span>{kfv.statusText}</span>
            ) : (
              progress.etaText !== '' && <span>{progress.etaText}</span>
            )}
            {progress.elapsedMs !== undefined && (
              <span className="kfv-player__elapsed">{ui.elapsed(progress.elapsedMs)}</span>
            )}
          </p>
        </div>
      )}

      {status === 'succeeded' && kfv.videoUrl !== undefined && (
        <div className="kfv-player__actions">
          <DownloadButton key={kfv.videoUrl} url={kfv.videoUrl} fileName={fileName} fetch={fetch} />
          {remainingMs !== undefined && (
            <p className="kfv-player__expiry">
              {remainingMs > 0 ? ui.expiresIn(remainingMs) : ui.linkExpired}
            </p>
          )}
        </div>
      )}

      {status === 'canceled' && kfv.errorMessage !== undefined && (
        <p className="kfv-player__error">{kfv.errorMessage}</p>
      )}
      {kfv.noticeMessage !== undefined && <p className="kfv-player__note">{kfv.noticeMessage}</p>}
      {nextAction !== undefined && (
        <div className="kfv-player__actions">
          <button type="button" className="kfv-button" data-variant="primary" onClick={kfv.retry}>
            {nextAction}
          </button>
        </div>
      )}
    </div>
  );
}
