/**
 * `useFrameDropzone`: one frame slot of a keyframe-video form as a drop target — react-dropzone
 * for drop, the file chooser and pasted files, plus pasted image links — handing out prop
 * getters so that `FrameDropzone` (or an app's own markup) only renders. The frame itself
 * lives in `useKeyframeVideo`; this hook adds the drag state and files refused at the door.
 */
import {
  useId,
  useState,
  type ClipboardEvent,
  type CSSProperties,
  type HTMLAttributes,
  type InputHTMLAttributes,
  type MouseEvent,
  type Ref,
} from 'react';
import { useDropzone, type Accept, type DropzoneOptions, type FileRejection } from 'react-dropzone';
import { FRAME_RULES, type FrameRules } from '../core/index.js';
import type {
  FrameSlot,
  KeyframeVideoField,
  KeyframeVideoFrame,
} from '../react/keyframe-video-state.js';
import type { UseKeyframeVideoResult } from '../react/use-keyframe-video.js';
import { useUiMessages } from './use-ui-messages.js';

/**
 * What a frame slot shows: `empty` → (`dragging`) → `checking` → `ready` | `invalid`.
 * Exposed as `data-state` on the dropzone.
 */
export type FrameDropzoneState = 'empty' | 'dragging' | 'checking' | 'ready' | 'invalid';

/** Options of {@link useFrameDropzone}. */
export interface UseFrameDropzoneOptions {
  /** Turns the dropzone off (no drop, paste or chooser). */
  disabled?: boolean | undefined;
  /** The rules shown in the hint and used for the accepted types (default `FRAME_RULES`). */
  rules?: FrameRules | undefined;
  /** Extra react-dropzone options; the file handling (`onDrop`, `accept`…) stays ours. */
  dropzoneOptions?:
    Omit<DropzoneOptions, 'onDrop' | 'accept' | 'multiple' | 'maxFiles' | 'disabled'> | undefined;
}

/** Props for a button of the dropzone. */
export interface FrameDropzoneButtonProps {
  readonly type: 'button';
  readonly id: string;
  readonly onClick: (event: MouseEvent<HTMLButtonElement>) => void;
  readonly disabled: boolean | undefined;
  readonly 'aria-labelledby': string;
  readonly 'aria-describedby': string | undefined;
}

/** Props for the drop target. */
export type FrameDropzoneRootProps = HTMLAttributes<HTMLDivElement> & {
  readonly ref: Ref<HTMLDivElement>;
  readonly 'data-state': FrameDropzoneState;
};

/** What {@link useFrameDropzone} returns. */
export interface UseFrameDropzoneResult {
  readonly state: FrameDropzoneState;
  readonly slot: FrameSlot;
  /** The slot's frame, as `useKeyframeVideo` holds it. */
  readonly frame: KeyframeVideoFrame;
  /** The visible label of the slot. */
  readonly label: string;
  /** Why the last file was refused at the drop (wrong type, several files); cleared by the next. */
  readonly rejection: string | undefined;
  /** While dragging: whether what is dragged would be refused. */
  readonly isDragReject: boolean;
  /** Ids for the parts that other parts point to. */
  readonly ids: { readonly label: string; readonly hint: string; readonly error: string };
  /** Opens the file chooser. */
  open(): void;
  /** Empties the slot. */
  remove(): void;
  /** Props for the drop target (a `<div>` that takes drops and pastes). */
  getRootProps(props?: HTMLAttributes<HTMLDivElement>): FrameDropzoneRootProps;
  /** Props for the (hidden) file input; label it with {@link getLabelProps}. */
  getInputProps(
    props?: InputHTMLAttributes<HTMLInputElement>,
  ): InputHTMLAttributes<HTMLInputElement> & {
    style: CSSProperties;
  };
  /** Props for the visible `<label>` (points at the file input). */
  getLabelProps(): { readonly id: string; readonly htmlFor: string };
  /** Props for the button that opens the chooser; `textId` is the id of its visible text. */
  getChooseButtonProps(textId: string): FrameDropzoneButtonProps;
  /** Props for the remove button; `textId` is the id of its visible text. */
  getRemoveButtonProps(textId: string): FrameDropzoneButtonProps;
  /** Props for the element that shows the slot's error (the field's error id). */
  getErrorProps(): { readonly id: string };
}

/** react-dropzone's `accept` for the rules: every media type, with the extensions. */
function acceptOf(rules: FrameRules): Accept {
  const accept: Record<string, string[]> = {};
  for (const rule of rules.formats) {
    rule.mimeTypes.forEach((mime, index) => {
      accept[mime] = index === 0 ? rule.extensions.map((extension) => `.${extension}`) : [];
    });
  }
  return accept;
}

/** A pasted text that can be a frame: an http(s) link or an image data URL. */
function isPastedFrameLink(text: string): boolean {
  return /^https?:\/\/\S+$/i.test(text) || /^data:image\/[a-z0-9.+-]+;base64,/i.test(text);
}

function fieldOf(slot: FrameSlot): KeyframeVideoField {
  return slot === 'first' ? 'firstFrame' : 'lastFrame';
}

/**
 * Makes one frame slot of `keyframeVideo` (the result of `useKeyframeVideo`) a drop target.
 *
 * @example
 * ```tsx
 * const zone = useFrameDropzone(kfv, 'first');
 * <div {...zone.getRootProps()}>
 *   <label {...zone.getLabelProps()}>{zone.label}</label>
 *   <input {...zone.getInputProps()} />
 *   <button {...zone.getChooseButtonProps('choose-text')}><span id="choose-text">Choose</span></button>
 * </div>
 * ```
 */
export function useFrameDropzone(
  keyframeVideo: UseKeyframeVideoResult,
  slot: FrameSlot,
  options: UseFrameDropzoneOptions = {},
): UseFrameDropzoneResult {
  const { ui } = useUiMessages();
  const rules = options.rules ?? FRAME_RULES;
  const disabled = options.disabled === true;
  const id = useId();
  const ids = { label: `${id}-label`, hint: `${id}-hint`, error: '' };
  const field = fieldOf(slot);
  const errorProps = keyframeVideo.getFieldErrorProps(field);
  const frame = keyframeVideo.frames[slot];
  const { setFrame } = keyframeVideo;
  // A refusal belongs to the frame it was made against: a new frame (or a swap) clears it.
  const [refusal, setRefusal] = useState<
    { readonly message: string; readonly frame: KeyframeVideoFrame } | undefined
  >(undefined);
  const rejection = refusal?.frame === frame ? refusal.message : undefined;

  const onDrop = (accepted: File[], rejected: FileRejection[]): void => {
    const [file] = accepted;
    if (file && rejected.length === 0) {
      setRefusal(undefined);
      setFrame(slot, file);
      return;
    }
    const many = rejected.some((item) => item.errors.some((e) => e.code === 'too-many-files'));
    const name = rejected[0]?.file.name ?? '';
    setRefusal({ message: many ? ui.rejectedMany : ui.rejectedType(name, rules), frame });
  };

  const dropzone = useDropzone({
    ...options.dropzoneOptions,
    accept: acceptOf(rules),
    multiple: false,
    maxFiles: 1,
    disabled,
    noClick: true,
    noKeyboard: true,
    useFsAccessApi: false,
    onDrop,
  });

  const fieldError = keyframeVideo.fieldErrors[field];
  let state: FrameDropzoneState;
  if (dropzone.isDragActive) state = 'dragging';
  else if (dropzone.isProcessing || frame.status === 'preparing') state = 'checking';
  else if (rejection !== undefined || fieldError !== undefined || frame.status === 'invalid')
    state = 'invalid';
  else state = frame.status === 'ready' ? 'ready' : 'empty';

  const describedBy =
    [ids.hint, state === 'invalid' ? errorProps.id : undefined].filter(Boolean).join(' ') ||
    undefined;
  const hookInput = keyframeVideo.getFrameInputProps(slot);

  const remove = (): void => {
    setRefusal(undefined);
    setFrame(slot, null);
  };

  return {
    state,
    slot,
    frame,
    label: ui.frameLabel[slot],
    rejection,
    isDragReject: dropzone.isDragReject,
    ids: { ...ids, error: errorProps.id },
    open: dropzone.open,
    remove,
    getRootProps: (props = {}) => {
      const { onPaste, ...rest } = props;
      return {
        ...dropzone.getRootProps({
          ...rest,
          role: rest.role ?? 'group',
          'aria-labelledby': rest['aria-labelledby'] ?? ids.label,
          onPaste: (event: ClipboardEvent<HTMLDivElement>) => {
            onPaste?.(event);
            if (event.defaultPrevented || disabled) return;
            const data = event.clipboardData;
            const hasFiles = Array.from(data.types).includes('Files') || data.files.length > 0;
            if (hasFiles) return; // react-dropzone takes files.
            const text = data.getData('text/plain').trim();
            if (!isPastedFrameLink(text)) return;
            event.preventDefault();
            setRefusal(undefined);
            setFrame(slot, text);
          },
        }),
        'data-state': state,
      } as FrameDropzoneRootProps;
    },
    getInputProps: (props = {}) =>
      dropzone.getInputProps({
        ...props,
        id: props.id ?? hookInput.id,
        accept: props.accept ?? hookInput.accept,
        // The visible <label> names the input; react-dropzone's default name would override it.
        'aria-label': props['aria-label'],
        'aria-invalid': state === 'invalid' ? true : undefined,
        'aria-describedby': describedBy,
        disabled,
      }) as InputHTMLAttributes<HTMLInputElement> & { style: CSSProperties },
    getLabelProps: () => ({ id: ids.label, htmlFor: hookInput.id }),
    getChooseButtonProps: (textId) => ({
      type: 'button',
      id: `${id}-choose`,
      onClick: () => dropzone.open(),
      disabled: disabled || undefined,
      'aria-labelledby': `${textId} ${ids.label}`,
      'aria-describedby': describedBy,
    }),
    getRemoveButtonProps: (textId) => ({
      type: 'button',
      id: `${id}-remove`,
      onClick: remove,
      disabled: disabled || undefined,
      'aria-labelledby': `${textId} ${ids.label}`,
      'aria-describedby': undefined,
    }),
    getErrorProps: () => errorProps,
  };
}
