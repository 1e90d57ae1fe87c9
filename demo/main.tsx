// The demo page: the Studio on the built library, talking to the relay this same server mounts
// at /api/keyframe-video. It says which upstream is live (real DashScope or the simulator) and,
// with the simulator, where its videos come from (an ffmpeg crossfade of the user's two frames,
// or the sample clip). A submission is remembered (`persistKey`), so a reload resumes the task.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { KeyframeVideoProvider, KeyframeVideoStudio } from 'react-keyframe-video';
import { DEFAULT_SCHEDULE, nextPollDelay } from 'react-keyframe-video/core';
import 'react-keyframe-video/styles.css';

/** Set by demo/vite.config.ts from the server's environment. */
declare const __DEMO_UPSTREAM__: {
  kind: 'simulator' | 'dashscope';
  region: 'beijing' | 'singapore';
  speed?: number;
  video?: { kind: 'crossfade'; ffmpegVersion: string } | { kind: 'sample'; reason: string };
};

function UpstreamBadge() {
  const upstream = __DEMO_UPSTREAM__;
  return (
    <p data-testid="upstream" data-upstream={upstream.kind} style={{ margin: '0 0 16px' }}>
      Upstream:{' '}
      <strong>
        {upstream.kind === 'dashscope'
          ? `Alibaba Cloud DashScope (${upstream.region}) — real videos, billed to your key`
          : `DashScope simulator (${String(upstream.speed ?? 1)}× speed) — no key, no cost`}
      </strong>
      {upstream.kind === 'simulator' && (
        <>
          . Set <code>DASHSCOPE_API_KEY</code> for videos generated from your frames and prompt.
        </>
      )}
    </p>
  );
}

/** With the simulator: whether the video is made from the user's frames, or is the sample. */
function VideoSourceNote() {
  const { video } = __DEMO_UPSTREAM__;
  if (__DEMO_UPSTREAM__.kind !== 'simulator' || !video) return null;
  return (
    <p
      data-testid="video-source"
      data-video-source={video.kind}
      title={video.kind === 'sample' ? video.reason : undefined}
      style={{ margin: '0 0 16px' }}
    >
      Video:{' '}
      {video.kind === 'crossfade' ? (
        <>
          <strong>a crossfade of your two frames</strong> (made by ffmpeg {video.ffmpegVersion} on
          this machine; the prompt is not used)
        </>
      ) : (
        <>
          <strong>the sample clip</strong> — install ffmpeg (<code>apt-get install ffmpeg</code>)
          and restart for a video made from your frames
        </>
      )}
      .
    </p>
  );
}

/**
 * The simulator runs `speed` times faster than DashScope, so the page polls that much more often
 * (the core's schedule with every duration divided by the speed, at most 4 polls a second — the
 * relay's per-user limit is 5). Against real DashScope the library's default schedule is used.
 */
function scheduleFor(speed: number | undefined) {
  if (speed === undefined || speed <= 1) return undefined;
  const scaled = {
    ...DEFAULT_SCHEDULE,
    minIntervalMs: Math.max(250, DEFAULT_SCHEDULE.minIntervalMs / speed),
    maxIntervalMs: Math.max(250, DEFAULT_SCHEDULE.maxIntervalMs / speed),
    requestWorthMs: DEFAULT_SCHEDULE.requestWorthMs / speed,
    prior: { ...DEFAULT_SCHEDULE.prior, medianMs: DEFAULT_SCHEDULE.prior.medianMs / speed },
    settleIntervalMs: Math.max(250, DEFAULT_SCHEDULE.settleIntervalMs / speed),
    typicalQueueMs: DEFAULT_SCHEDULE.typicalQueueMs / speed,
    backoffBaseMs: Math.max(250, DEFAULT_SCHEDULE.backoffBaseMs / speed),
    backoffCapMs: Math.max(250, DEFAULT_SCHEDULE.backoffCapMs / speed),
  };
  return (input: Parameters<typeof nextPollDelay>[0]) => nextPollDelay(input, scaled);
}

const schedule =
  __DEMO_UPSTREAM__.kind === 'simulator' ? scheduleFor(__DEMO_UPSTREAM__.speed) : undefined;

function Demo() {
  return (
    <main className="kfv-root" style={{ padding: 24, maxWidth: 880, margin: '0 auto' }}>
      <h1 style={{ margin: '0 0 8px' }}>react-keyframe-video</h1>
      <UpstreamBadge />
      <VideoSourceNote />
      <KeyframeVideoProvider endpoint="/api/keyframe-video" schedule={schedule}>
        <KeyframeVideoStudio persistKey="demo" />
      </KeyframeVideoProvider>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Demo />
  </StrictMode>,
);
