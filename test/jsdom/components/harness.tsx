// Renders the styled components the way an app does — a provider wired to this stack (client
// fetch → relay → simulator, one manual clock) and a form made with `useKeyframeVideo` — plus
// the events a user makes on a dropzone: drag, drop and paste with a DataTransfer.
import type { ReactNode } from 'react';
import { act, fireEvent, render, screen } from '@testing-library/react';
import {
  KeyframeVideoProvider,
  useKeyframeVideo,
  type KeyframeVideoProviderProps,
  type UseKeyframeVideoOptions,
  type UseKeyframeVideoResult,
} from '../../../src/index.js';
import type { Stack } from '../helpers/stack.js';

/** The latest hook result, for assertions that have no markup. */
export interface Latest {
  current: UseKeyframeVideoResult;
}

/** Calls `useKeyframeVideo` and renders `children` with it. */
function Form(props: {
  options: UseKeyframeVideoOptions;
  latest: { current: UseKeyframeVideoResult | undefined };
  children: (kfv: UseKeyframeVideoResult) => ReactNode;
}) {
  const kfv = useKeyframeVideo(props.options);
  // eslint-disable-next-line react-hooks/immutability -- a test probe, read after each render.
  props.latest.current = kfv;
  return <>{props.children(kfv)}</>;
}

/** Renders `children(kfv)` under a provider on `stack`. */
export function renderForm(
  stack: Stack,
  children: (kfv: UseKeyframeVideoResult) => ReactNode,
  options: UseKeyframeVideoOptions = {},
  provider: Partial<KeyframeVideoProviderProps> = {},
) {
  const latest: { current: UseKeyframeVideoResult | undefined } = { current: undefined };
  const view = render(
    <KeyframeVideoProvider {...stack.providerProps(provider)}>
      <Form options={options} latest={latest}>
        {children}
      </Form>
    </KeyframeVideoProvider>,
  );
  return { view, latest: latest as Latest };
}

/** Renders `ui` under a provider on `stack`. */
export function renderWithProvider(
  stack: Stack,
  ui: ReactNode,
  provider: Partial<KeyframeVideoProviderProps> = {},
) {
  return render(
    <KeyframeVideoProvider {...stack.providerProps(provider)}>{ui}</KeyframeVideoProvider>,
  );
}

/** A DataTransfer-like object holding files, as a drag or a paste carries them. */
export function transferOf(files: readonly File[], text = '') {
  return {
    files,
    items: files.map((file) => ({ kind: 'file', type: file.type, getAsFile: () => file })),
    types: files.length > 0 ? ['Files'] : text === '' ? [] : ['text/plain'],
    getData: (type: string) => (type === 'text/plain' ? text : ''),
  };
}

/** Drops files on a dropzone (drag enter, over, drop). */
export async function dropFiles(target: Element, files: readonly File[]) {
  const dataTransfer = transferOf(files);
  // A person takes a moment between entering and dropping; react-dropzone reads the drag
  // asynchronously, so let it finish before the drop.
  fireEvent.dragEnter(target, { dataTransfer });
  fireEvent.dragOver(target, { dataTransfer });
  await act(async () => {});
  fireEvent.drop(target, { dataTransfer });
  // react-dropzone reads the files asynchronously.
  await act(async () => {});
}

/** Pastes files (or text) into the focused element of a dropzone. */
export async function paste(target: Element, files: readonly File[], text = '') {
  fireEvent.paste(target, { clipboardData: transferOf(files, text) });
  await act(async () => {});
}

/** The text of the elements an element's `aria-describedby` points at. */
export function description(element: Element): string {
  return (element.getAttribute('aria-describedby') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? `<missing #${id}>`)
    .join(' ');
}

/** A dropzone (role group) by its label. */
export function dropzone(label: string): HTMLElement {
  return screen.getByRole('group', { name: new RegExp(`^${label}`) });
}
