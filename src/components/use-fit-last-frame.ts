/**
 * The "fit last frame to first" action: crops the last frame (centred) to the first frame's
 * shape with `prepareFrame`'s `cropToAspect`, in the browser, and puts the result in the last
 * slot. The video takes the first frame's shape; fitting here shows the user what they get
 * instead of leaving the service to crop.
 */
import { useEffect, useRef, useState } from 'react';
import type { KeyframeVideoFrame } from '../react/keyframe-video-state.js';
import type { UseKeyframeVideoResult } from '../react/use-keyframe-video.js';

/** Where the action is: not started, working, or failed (for this last frame). */
export type FitLastFrameState = 'idle' | 'fitting' | 'failed';

/** What {@link useFitLastFrame} returns. */
export interface UseFitLastFrameResult {
  readonly state: FitLastFrameState;
  /** Whether there is something to fit: both frames ready, sized, and the last one a file. */
  readonly canFit: boolean;
  fit(): void;
}

/** Fits the last frame of `keyframeVideo` to its first frame's aspect ratio. */
export function useFitLastFrame(keyframeVideo: UseKeyframeVideoResult): UseFitLastFrameResult {
  const { first, last } = keyframeVideo.frames;
  const { setFrame } = keyframeVideo;
  // The state belongs to the last frame it was started on: a new last frame starts from idle.
  const [attempt, setAttempt] = useState<
    { readonly state: FitLastFrameState; readonly frame: KeyframeVideoFrame } | undefined
  >(undefined);
  const running = useRef<AbortController | undefined>(undefined);
  // A new last frame (or leaving the page) makes a fit under way pointless.
  useEffect(() => () => running.current?.abort(), [last]);

  const canFit =
    first.status === 'ready' &&
    last.status === 'ready' &&
    first.width !== undefined &&
    first.height !== undefined &&
    last.file !== undefined;
  const state = attempt?.frame === last ? attempt.state : 'idle';

  const fit = (): void => {
    if (!canFit || state === 'fitting' || last.status !== 'ready' || !last.file) return;
    if (first.status !== 'ready' || first.width === undefined || first.height === undefined) return;
    running.current?.abort();
    const controller = new AbortController();
    running.current = controller;
    setAttempt({ state: 'fitting', frame: last });
    const file = last.file;
    const aspect = { width: first.width, height: first.height };
    // Loaded on use, like the hook's own frame work: image code is not part of the page's bundle.
    import('../core/prepare-frame.js')
      .then(({ prepareFrame }) =>
        prepareFrame(file, {
          cropToAspect: aspect,
          reencode: 'always',
          param: 'input.last_frame_url',
          name: last.name,
          signal: controller.signal,
        }),
      )
      .then(
        (prepared) => {
          if (controller.signal.aborted) return;
          const type = prepared.blob.type;
          setFrame('last', new File([prepared.blob], prepared.name, { type }));
        },
        () => {
          if (!controller.signal.aborted) setAttempt({ state: 'failed', frame: last });
        },
      );
  };

  return { state, canFit, fit };
}
