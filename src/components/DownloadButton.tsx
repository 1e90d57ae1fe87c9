/**
 * The player's download button: saves a copy of the video under a readable name (see
 * `saveVideo`), and says so when it had to open the link instead.
 */
import { useEffect, useRef, useState } from 'react';
import { useKeyframeVideoConfig } from '../react/provider.js';
import { saveVideo, type SaveVideoOutcome } from './save-video.js';
import { useUiMessages } from './use-ui-messages.js';

/** Where a download is: not started, on its way, or done one way or the other. */
export type DownloadState = 'idle' | 'downloading' | Exclude<SaveVideoOutcome, 'aborted'>;

/** Props of {@link DownloadButton}. */
export interface DownloadButtonProps {
  /** The video's link. */
  url: string;
  /** The file name for the video's media type. */
  fileName: (type: string) => string;
  /** The fetch to read the video with (default: the global one). */
  fetch?: typeof fetch | undefined;
  className?: string | undefined;
}

/** A button that saves a copy of the video at `url`. Remount it (a `key`) for another video. */
export function DownloadButton({ url, fileName, fetch, className }: DownloadButtonProps) {
  const { ui } = useUiMessages();
  const { clock } = useKeyframeVideoConfig();
  const [state, setState] = useState<DownloadState>('idle');
  const running = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => running.current?.abort(), []);

  const start = (): void => {
    if (state === 'downloading') return;
    const controller = new AbortController();
    running.current = controller;
    setState('downloading');
    void saveVideo(url, { fileName, fetch, clock, signal: controller.signal }).then((outcome) => {
      if (outcome !== 'aborted' && running.current === controller) setState(outcome);
    });
  };

  return (
    <>
      <button
        type="button"
        className={className ?? 'kfv-button'}
        data-variant="primary"
        data-state={state}
        aria-disabled={state === 'downloading' ? true : undefined}
        onClick={start}
      >
        {state === 'downloading' ? ui.downloading : ui.download}
      </button>
      {state === 'opened' && (
        <p className="kfv-player__note">
          {ui.downloadOpened}{' '}
          <a href={url} target="_blank" rel="noopener noreferrer">
            {ui.openVideo}
          </a>
        </p>
      )}
    </>
  );
}
