/**
 * Where an image goes on the output canvas when a frame is prepared: the optional crop to a
 * requested aspect ratio, the scale that brings both sides into [minSide, maxSide], and the pad
 * or crop for images whose shape no scale can fix (a 4000×300 panorama). Pure arithmetic, so
 * the same plan drives the worker and the main thread and reads the same in the report.
 */

/** A width and a height in pixels. */
export interface PixelSize {
  readonly width: number;
  readonly height: number;
}

/** A rectangle in pixels (may be fractional and may reach outside the canvas). */
export interface PixelRect extends PixelSize {
  readonly x: number;
  readonly y: number;
}

/** What to do with an image too long and thin for any scale to fit both sides into range. */
export type FrameFit = 'pad' | 'crop';

/** How the shape was made legal after scaling. */
export type FitAction = 'none' | 'padded' | 'cropped';

/** Inputs of {@link planFrameGeometry}. */
export interface FrameGeometryOptions {
  readonly minSide: number;
  readonly maxSide: number;
  readonly fit: FrameFit;
  /** width / height to crop the source to first, if any. */
  readonly aspect?: number | undefined;
}

/** The plan for one output frame. */
export interface FrameGeometry {
  /** The source as displayed (EXIF orientation applied). */
  readonly source: PixelSize;
  /** The part of the source kept by the aspect crop; undefined when nothing was cropped. */
  readonly aspectCrop: PixelRect | undefined;
  /** The kept part of the source before scaling. */
  readonly region: PixelSize;
  /** The kept part after scaling (before padding or cropping to the canvas). */
  readonly scaled: PixelSize;
  readonly fitAction: FitAction;
  /** The output size. */
  readonly canvas: PixelSize;
  /** Where the kept part lands on the canvas (integer; may reach outside when cropped). */
  readonly placement: PixelRect;
  /** Where the whole source must be drawn on the canvas to produce {@link placement}. */
  readonly draw: PixelRect;
}

const clamp = (value: number, low: number, high: number): number =>
  Math.min(high, Math.max(low, value));

/**
 * Plans the output: crop to `aspect` (centred) if asked, then the scale closest to 1 that puts
 * both sides in [minSide, maxSide]. When none exists, `fit: 'pad'` scales the long side into
 * range and pads the short side up to `minSide`; `fit: 'crop'` scales the short side to
 * `minSide` and crops the long side to `maxSide` (both centred).
 */
export function planFrameGeometry(source: PixelSize, options: FrameGeometryOptions): FrameGeometry {
  const { minSide, maxSide } = options;
  const aspectCrop =
    options.aspect === undefined ? undefined : cropToAspect(source, options.aspect);
  const kept: PixelRect = aspectCrop ?? { x: 0, y: 0, ...source };
  const shortSide = Math.min(kept.width, kept.height);
  const longSide = Math.max(kept.width, kept.height);
  const lowest = minSide / shortSide;
  const highest = maxSide / longSide;

  let scaled: PixelSize;
  let canvas: PixelSize;
  let fitAction: FitAction;
  if (lowest <= highest) {
    const scale = clamp(1, lowest, highest);
    scaled = {
      width: clamp(Math.round(kept.width * scale), minSide, maxSide),
      height: clamp(Math.round(kept.height * scale), minSide, maxSide),
    };
    canvas = scaled;
    fitAction = 'none';
  } else if (options.fit === 'pad') {
    const scale = clamp(1, minSide / longSide, highest);
    scaled = {
      width: Math.max(1, Math.round(kept.width * scale)),
      height: Math.max(1, Math.round(kept.height * scale)),
    };
    canvas = {
      width: clamp(scaled.width, minSide, maxSide),
      height: clamp(scaled.height, minSide, maxSide),
    };
    fitAction = 'padded';
  } else {
    scaled = {
      width: Math.max(1, Math.round(kept.width * lowest)),
      height: Math.max(1, Math.round(kept.height * lowest)),
    };
    canvas = {
      width: clamp(scaled.width, minSide, maxSide),
      height: clamp(scaled.height, minSide, maxSide),
    };
    fitAction = 'cropped';
  }

  const placement: PixelRect = {
    x: Math.floor((canvas.width - scaled.width) / 2),
    y: Math.floor((canvas.height - scaled.height) / 2),
    ...scaled,
  };
  const scaleX = scaled.width / kept.width;
  const scaleY = scaled.height / kept.height;
  return {
    source: { width: source.width, height: source.height },
    aspectCrop,
    region: { width: kept.width, height: kept.height },
    scaled,
    fitAction,
    canvas,
    placement,
    draw: {
      x: placement.x - kept.x * scaleX,
      y: placement.y - kept.y * scaleY,
      width: source.width * scaleX,
      height: source.height * scaleY,
    },
  };
}

/**
 * The largest centred rectangle of the given aspect (width / height) inside `size`, or
 * undefined when it would be the whole image (the shapes already match to the pixel).
 */
export function cropToAspect(size: PixelSize, aspect: number): PixelRect | undefined {
  if (size.width / size.height > aspect) {
    const width = Math.max(1, Math.round(size.height * aspect));
    if (width >= size.width) return undefined;
    return { x: (size.width - width) / 2, y: 0, width, height: size.height };
  }
  const height = Math.max(1, Math.round(size.width / aspect));
  if (height >= size.height) return undefined;
  return { x: 0, y: (size.height - height) / 2, width: size.width, height };
}
