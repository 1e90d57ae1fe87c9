// The demo page. At this stage it shows the framework-free core working in a browser: pick two
// frames, see what the API would say about them before anything is sent, and the model table
// the UI is generated from. The Studio replaces this page when the components land.
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import {
  KEYFRAME_VIDEO_MODELS,
  checkFrame,
  checkFramePair,
  type FrameCheck,
} from 'react-keyframe-video/core';
import 'react-keyframe-video/styles.css';

type Slot = 'first' | 'last';

function FramePicker(props: { slot: Slot; onChecked: (check: FrameCheck | undefined) => void }) {
  const [check, setCheck] = useState<FrameCheck>();
  const id = `frame-${props.slot}`;
  return (
    <div>
      <label htmlFor={id}>{props.slot === 'first' ? 'First frame' : 'Last frame'}</label>{' '}
      <input
        id={id}
        type="file"
        accept="image/jpeg,image/png,image/webp,image/bmp"
        onChange={async (event) => {
          const file = event.currentTarget.files?.[0];
          const result = file ? await checkFrame(file) : undefined;
          setCheck(result);
          props.onChecked(result);
        }}
      />
      {check && (
        <p data-state={check.ok ? 'ready' : 'invalid'}>
          {check.format?.toUpperCase() ?? 'Unknown format'}
          {check.width ? `, ${check.width}×${check.height}` : ''}, {Math.round(check.bytes / 1024)}{' '}
          KB — {check.ok ? 'accepted' : check.problems.map((p) => p.message).join(' ')}
        </p>
      )}
    </div>
  );
}

function Demo() {
  const [checks, setChecks] = useState<Record<Slot, FrameCheck | undefined>>({
    first: undefined,
    last: undefined,
  });
  const { first, last } = checks;
  const pair =
    first?.width && first.height && last?.width && last.height
      ? checkFramePair(
          { width: first.width, height: first.height },
          { width: last.width, height: last.height },
        )
      : undefined;
  return (
    <main className="kfv-root" data-state="idle" style={{ padding: 24, maxWidth: 760 }}>
      <h1>react-keyframe-video</h1>
      <p>
        Pick a first and a last frame: they are checked against the API&apos;s rules in your
        browser.
      </p>
      <FramePicker slot="first" onChecked={(c) => setChecks((s) => ({ ...s, first: c }))} />
      <FramePicker slot="last" onChecked={(c) => setChecks((s) => ({ ...s, last: c }))} />
      {pair && (
        <p role="status">{pair.ok ? 'The two frames have matching shapes.' : pair.warning}</p>
      )}
      <h2>Models</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Resolutions</th>
            <th scope="col">Region</th>
          </tr>
        </thead>
        <tbody>
          {Object.values(KEYFRAME_VIDEO_MODELS).map((model) => (
            <tr key={model.id}>
              <td>{model.id}</td>
              <td>{model.resolutions.join(', ')}</td>
              <td>{model.region}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Demo />
  </StrictMode>,
);
