/**
 * FrameDropzone through its roles and labels: every state (empty, dragging, checking, ready,
 * invalid), every way in (drop, chooser, paste of a file or a link), replace and remove, the
 * refusals at the door, and the error wiring (`aria-invalid`, `aria-describedby`).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { FrameDropzone } from '../../../src/index.js';
import { createStack, fixtureFile } from '../helpers/stack.js';
import { description, dropFiles, dropzone, paste, renderForm } from './harness.js';

afterEach(cleanup);

function renderDropzone(slot: 'first' | 'last' = 'first') {
  const stack = createStack();
  const form = renderForm(stack, (kfv) => <FrameDropzone keyframeVideo={kfv} slot={slot} />);
  return { stack, ...form };
}

const chooseButton = () => screen.getByRole('button', { name: 'Choose an image First frame' });

describe('FrameDropzone', () => {
  test('empty: a visible label, a chooser button described by the rules', () => {
    renderDropzone();
    const zone = dropzone('First frame');
    expect(zone.dataset.state).toBe('empty');
    expect(screen.getByText('First frame').tagName).toBe('LABEL');
    const input = screen.getByLabelText('First frame', { selector: 'input' });
    expect(input.getAttribute('type')).toBe('file');
    expect(input.getAttribute('accept')).toBe('image/jpeg,image/png,image/bmp,image/webp');
    expect(description(chooseButton())).toBe(
      'Or drop or paste one here. JPEG, PNG, BMP, or WebP; each side 360–2000 px; up to 10 MB. Larger images are scaled down for you.',
    );
    expect(input.getAttribute('aria-invalid')).toBeNull();
  });

  test('the last frame is marked optional', () => {
    renderDropzone('last');
    expect(dropzone('Last frame').textContent).toContain('Last frame (optional)');
  });

  test('the chooser button opens the file chooser (the input)', () => {
    renderDropzone();
    const input = screen.getByLabelText('First frame', { selector: 'input' });
    let opened = 0;
    input.addEventListener('click', () => (opened += 1));
    fireEvent.click(chooseButton());
    expect(opened).toBe(1);
    // A click elsewhere in the zone does not open it (the buttons inside have their own jobs).
    fireEvent.click(dropzone('First frame'));
    expect(opened).toBe(1);
  });

  test('a chosen file: checking, then ready with a preview, its size and bytes', async () => {
    const { stack } = renderDropzone();
    const file = fixtureFile('valid-640x480.jpg');
    fireEvent.change(screen.getByLabelText('First frame', { selector: 'input' }), {
      target: { files: [file] },
    });
    await act(async () => {});
    expect(dropzone('First frame').dataset.state).toBe('checking');
    expect(screen.getByText('Checking the image…')).toBeTruthy();
    await stack.settle();
    const zone = dropzone('First frame');
    expect(zone.dataset.state).toBe('ready');
    const preview = within(zone).getByRole('img', { name: 'First frame preview' });
    expect(preview.getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    expect(within(zone).getByText('valid-640x480.jpg')).toBeTruthy();
    const kb = `${Math.round(file.size / 1024)} KB`;
    expect(within(zone).getByText(`640 × 480 px · ${kb}`)).toBeTruthy();
  });

  test('dragging: data-state and data-dragging while a file is over the zone', async () => {
    renderDropzone();
    const zone = dropzone('First frame');
    const file = fixtureFile('valid-640x480.jpg');
    fireEvent.dragEnter(zone, {
      dataTransfer: {
        files: [file],
        items: [{ kind: 'file', type: 'image/jpeg' }],
        types: ['Files'],
      },
    });
    await act(async () => {});
    expect(zone.dataset.state).toBe('dragging');
    expect(zone.hasAttribute('data-dragging')).toBe(true);
    expect(within(zone).getByText('Drop the image to use it.')).toBeTruthy();
    fireEvent.dragLeave(zone, { dataTransfer: { files: [], items: [], types: ['Files'] } });
    expect(zone.dataset.state).toBe('empty');
    expect(zone.hasAttribute('data-dragging')).toBe(false);
  });

  test('a dropped file becomes the frame', async () => {
    const { stack, latest } = renderDropzone();
    await dropFiles(dropzone('First frame'), [fixtureFile('valid-lossy-600x400.webp')]);
    await stack.settle();
    expect(dropzone('First frame').dataset.state).toBe('ready');
    expect(latest.current.frames.first.status).toBe('ready');
    expect(screen.getByText(/^600 × 400 px · /)).toBeTruthy();
  });

  test('a pasted image becomes the frame', async () => {
    const { stack } = renderDropzone();
    await paste(chooseButton(), [fixtureFile('valid-640x480.jpg')]);
    await stack.settle();
    expect(dropzone('First frame').dataset.state).toBe('ready');
  });

  test('a pasted image link becomes the frame (checked by the service)', async () => {
    const { stack, latest } = renderDropzone();
    await paste(chooseButton(), [], 'https://images.example.com/cat.jpg');
    await stack.settle();
    expect(dropzone('First frame').dataset.state).toBe('ready');
    expect(latest.current.frames.first).toMatchObject({
      status: 'ready',
      url: 'https://images.example.com/cat.jpg',
    });
    expect(screen.getByText('A linked image: the service downloads and checks it.')).toBeTruthy();
  });

  test('pasted text that is not a link is left alone', async () => {
    const { stack, latest } = renderDropzone();
    await paste(chooseButton(), [], 'hello');
    await stack.settle();
    expect(latest.current.frames.first.status).toBe('empty');
  });

  test('invalid: every problem in words, linked to the controls, aria-invalid on the input', async () => {
    const { stack } = renderDropzone();
    await dropFiles(dropzone('First frame'), [fixtureFile('small-300x300.jpg')]);
    await stack.settle();
    const zone = dropzone('First frame');
    expect(zone.dataset.state).toBe('invalid');
    expect(zone.hasAttribute('data-invalid')).toBe(true);
    const input = screen.getByLabelText('First frame', { selector: 'input' });
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const problem =
      'The image is 300×300 pixels; each side must be at least 360. Use a larger image.';
    expect(description(input)).toContain(problem);
    const replace = screen.getByRole('button', { name: 'Replace First frame' });
    expect(description(replace)).toContain('This image cannot be used:');
    expect(description(replace)).toContain(problem);
  });

  test('a type that is not accepted is refused at the door, with the reason', async () => {
    const { latest } = renderDropzone();
    await dropFiles(dropzone('First frame'), [fixtureFile('drawing.svg')]);
    const zone = dropzone('First frame');
    expect(zone.dataset.state).toBe('invalid');
    expect(latest.current.frames.first.status).toBe('empty');
    expect(description(chooseButton())).toContain(
      '“drawing.svg” is not an accepted image. Choose a JPEG, PNG, BMP, or WebP file.',
    );
  });

  test('several files at once are refused', async () => {
    renderDropzone();
    await dropFiles(dropzone('First frame'), [
      fixtureFile('valid-640x480.jpg'),
      fixtureFile('valid-lossy-600x400.webp'),
    ]);
    expect(dropzone('First frame').dataset.state).toBe('invalid');
    expect(description(chooseButton())).toContain('Drop or paste one image at a time.');
  });

  test('a refusal is cleared by the next good file', async () => {
    const { stack } = renderDropzone();
    await dropFiles(dropzone('First frame'), [fixtureFile('drawing.svg')]);
    await dropFiles(dropzone('First frame'), [fixtureFile('valid-640x480.jpg')]);
    await stack.settle();
    expect(dropzone('First frame').dataset.state).toBe('ready');
    expect(screen.queryByText(/is not an accepted image/)).toBeNull();
  });

  test('replace and remove; removing keeps focus in the dropzone', async () => {
    const { stack, latest } = renderDropzone();
    await dropFiles(dropzone('First frame'), [fixtureFile('valid-640x480.jpg')]);
    await stack.settle();
    const replace = screen.getByRole('button', { name: 'Replace First frame' });
    await dropFiles(dropzone('First frame'), [fixtureFile('valid-lossy-600x400.webp')]);
    await stack.settle();
    expect(latest.current.frames.first).toMatchObject({ width: 600, height: 400 });
    // The chooser button stays the same element whatever the state: focus is never lost.
    expect(screen.getByRole('button', { name: 'Replace First frame' })).toBe(replace);

    fireEvent.click(screen.getByRole('button', { name: 'Remove First frame' }));
    expect(latest.current.frames.first.status).toBe('empty');
    expect(dropzone('First frame').dataset.state).toBe('empty');
    expect(document.activeElement).toBe(chooseButton());
    expect(chooseButton()).toBe(replace);
  });

  test('disabled: no chooser, no drop', async () => {
    const stack = createStack();
    const { latest } = renderForm(stack, (kfv) => (
      <FrameDropzone keyframeVideo={kfv} slot="first" disabled />
    ));
    expect((chooseButton() as HTMLButtonElement).disabled).toBe(true);
    await dropFiles(dropzone('First frame'), [fixtureFile('valid-640x480.jpg')]);
    await stack.settle();
    expect(latest.current.frames.first.status).toBe('empty');
  });

  test('className and style reach the root', () => {
    const stack = createStack();
    renderForm(stack, (kfv) => (
      <FrameDropzone keyframeVideo={kfv} slot="first" className="brand" style={{ maxWidth: 300 }} />
    ));
    const zone = dropzone('First frame');
    expect(zone.className).toBe('kfv-root kfv-dropzone brand');
    expect(zone.style.maxWidth).toBe('300px');
  });
});
