/**
 * The words of the styled components (labels, hints, buttons, facts about frames, the cost
 * line, the player's countdowns), as one replaceable table. It lives next to the hooks' table
 * and is part of it (`messages.ui`), so an app translates the whole library with one
 * `KeyframeVideoProvider messages={…}` prop; the components only read it.
 *
 * Entries that hold numbers are functions, so a translation decides word order and units.
 */
import type {
  CostEstimate,
  FrameChange,
  FrameCheck,
  FrameProblem,
  FrameRules,
  FrameSize,
  PrepareFrameReport,
} from '../core/index.js';
import type { FrameSlot } from './keyframe-video-state.js';

/** Facts about one frame, for the line under its preview. Unknowns are left out. */
export interface FrameFacts {
  readonly width: number | undefined;
  readonly height: number | undefined;
  readonly bytes: number | undefined;
}

/** Everything the styled components say. Every entry is required in a complete table. */
export interface KeyframeVideoUiMessages {
  /** The BCP 47 tag used to format numbers, money and times (`"en"`, `"zh-CN"`). */
  readonly locale: string;

  // ---- frames ---------------------------------------------------------------------------------
  /** The visible label of each frame slot. */
  readonly frameLabel: Readonly<Record<FrameSlot, string>>;
  /** Added after the label of a field that may stay empty. */
  readonly optional: string;
  /** The button that opens the file chooser of an empty frame. */
  readonly chooseImage: string;
  /** Under the choose button: the other ways in, and the rules. */
  readonly dropHint: (rules: FrameRules) => string;
  /** While a file is dragged over the frame. */
  readonly dropNow: string;
  /** While something that is not an accepted image is dragged over the frame. */
  readonly dropRejected: string;
  /** While the image is being prepared and checked. */
  readonly checkingImage: string;
  readonly replaceImage: string;
  readonly removeImage: string;
  /** The preview's alt text. */
  readonly previewAlt: (label: string) => string;
  /** Size and bytes: "640 × 480 px · 48 KB". */
  readonly frameFacts: (facts: FrameFacts) => string;
  /** A frame given as an http(s) link (not downloaded here). */
  readonly linkedImage: string;
  /** The file met every rule and is sent as it is. */
  readonly imageKept: string;
  /** Before the list of changes preparation made. */
  readonly imageChanged: string;
  /** One change preparation made, in words. */
  readonly frameChange: (change: FrameChange, report: PrepareFrameReport) => string;
  /** Before the list of problems of an image that cannot be used. */
  readonly imageProblems: string;
  /** One problem of an image, in words (`rules`: the limits it was checked against). */
  readonly frameProblem: (problem: FrameProblem, check: FrameCheck, rules: FrameRules) => string;
  /** A file refused at the drop because of its type. */
  readonly rejectedType: (name: string, rules: FrameRules) => string;
  /** More than one file dropped or pasted. */
  readonly rejectedMany: string;
  /** A byte count: "48 KB", "1.2 MB". */
  readonly fileSize: (bytes: number) => string;

  // ---- the pair -------------------------------------------------------------------------------
  readonly swapFrames: string;
  /** The frames' shapes differ: what happens and what to do. */
  readonly pairWarning: (first: FrameSize, last: FrameSize) => string;
  readonly fitLastFrame: string;
  readonly fittingLastFrame: string;
  readonly fitFailed: string;
  /** With an effect template, the last frame is not used. */
  readonly templateIgnoresLastFrame: string;

  // ---- the form -------------------------------------------------------------------------------
  /** The form's accessible name. */
  readonly studioLabel: string;
  readonly prompt: string;
  readonly promptHint: string;
  /** A text field's counter: "12 / 800". */
  readonly characterCount: (count: number, max: number) => string;
  readonly advancedOptions: string;
  readonly negativePrompt: string;
  readonly negativePromptHint: string;
  readonly seed: string;
  readonly seedHint: string;
  readonly randomSeed: string;
  readonly watermark: string;
  readonly promptExtend: string;
  readonly promptExtendHint: string;
  readonly model: string;
  readonly resolution: string;
  /** An option that is the model's default: "720P (default)". */
  readonly defaultOption: (value: string) => string;
  readonly template: string;
  readonly noTemplate: string;
  /** The cost line. */
  readonly estimatedCost: (estimate: CostEstimate, locale: string) => string;
  /** When the price table has no price for the choice. */
  readonly costUnknown: string;
  readonly generate: string;
  readonly cancel: string;
  readonly startOver: string;
  readonly originalPrompt: string;
  readonly rewrittenPrompt: string;

  // ---- the player -----------------------------------------------------------------------------
  readonly videoLabel: string;
  /** Where the video will be, before there is one. */
  readonly videoPlaceholder: string;
  readonly progressLabel: string;
  /** Time since the request went out: "Elapsed 1:05". */
  readonly elapsed: (ms: number) => string;
  readonly download: string;
  readonly downloading: string;
  /** The copy could not be saved, so the link was opened instead. */
  readonly downloadOpened: string;
  /** A plain link to the video (when a download could not start). */
  readonly openVideo: string;
  /** The countdown to the link's expiry. */
  readonly expiresIn: (ms: number) => string;
  readonly linkExpired: string;
  /** After `failed` or `error`. */
  readonly retry: string;
  /** While `retrying`: do not wait. */
  readonly retryNow: string;
  /** After `expired` or `canceled`. */
  readonly generateAgain: string;
}

function formatNumber(value: number, locale: string, digits = 0): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

/** "48 KB", "1.2 MB" (1024-based, as file managers show). */
function englishFileSize(bytes: number): string {
  if (bytes < 1024) return `${formatNumber(bytes, 'en')} B`;
  if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024, 'en')} KB`;
  return `${formatNumber(bytes / (1024 * 1024), 'en', 1)} MB`;
}

/** "1:05", "12:00", "1:02:03". */
export function clockTime(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${minutes}:${seconds}`;
}

function sentenceCase(text: string): string {
  return text.replace(/^./, (first) => first.toUpperCase());
}

/** "4:3" for whole ratios with small terms, otherwise "1.78:1". */
export function aspectText(size: FrameSize): string {
  let a = size.width;
  let b = size.height;
  while (b !== 0) [a, b] = [b, a % b];
  const w = size.width / a;
  const h = size.height / a;
  return w <= 32 && h <= 32 ? `${w}:${h}` : `${(size.width / size.height).toFixed(2)}:1`;
}

function formatList(rules: FrameRules, locale: string): string {
  const labels = rules.formats.map((rule) => rule.label);
  return new Intl.ListFormat(locale, { type: 'disjunction' }).format(labels);
}

/** The English table. */
export const defaultUiMessages: KeyframeVideoUiMessages = Object.freeze({
  locale: 'en',
  frameLabel: Object.freeze({ first: 'First frame', last: 'Last frame' }),
  optional: 'optional',
  chooseImage: 'Choose an image',
  dropHint: (rules: FrameRules) =>
    `Or drop or paste one here. ${formatList(rules, 'en')}; each side ${rules.minSide}–${rules.maxSide} px; up to ${englishFileSize(rules.maxBytes)}. Larger images are scaled down for you.`,
  dropNow: 'Drop the image to use it.',
  dropRejected: 'This file type is not accepted.',
  checkingImage: 'Checking the image…',
  replaceImage: 'Replace',
  removeImage: 'Remove',
  previewAlt: (label: string) => `${label} preview`,
  frameFacts: ({ width, height, bytes }: FrameFacts) =>
    [
      width !== undefined && height !== undefined ? `${width} × ${height} px` : undefined,
      bytes !== undefined ? englishFileSize(bytes) : undefined,
    ]
      .filter(Boolean)
      .join(' · '),
  linkedImage: 'A linked image: the service downloads and checks it.',
  imageKept: 'Used as it is: it meets every rule.',
  imageChanged: 'Adjusted to meet the rules:',
  frameChange: (change: FrameChange) => `${sentenceCase(change.message)}.`,
  imageProblems: 'This image cannot be used:',
  frameProblem: (problem: FrameProblem) => problem.message,
  rejectedType: (name: string, rules: FrameRules) =>
    `“${name}” is not an accepted image. Choose a ${formatList(rules, 'en')} file.`,
  rejectedMany: 'Drop or paste one image at a time.',
  fileSize: englishFileSize,

  swapFrames: 'Swap first and last frame',
  pairWarning: (first: FrameSize, last: FrameSize) =>
    `The last frame is ${last.width} × ${last.height} (${aspectText(last)}) but the first is ${first.width} × ${first.height} (${aspectText(first)}). The video takes the first frame’s shape, so the last frame will be fitted and may be cropped.`,
  fitLastFrame: 'Fit last frame to first',
  fittingLastFrame: 'Fitting the last frame…',
  fitFailed:
    'The last frame could not be fitted here. Crop it to the first frame’s shape yourself.',
  templateIgnoresLastFrame:
    'With an effect template only the first frame is used; the last frame is ignored.',

  studioLabel: 'Keyframe video',
  prompt: 'Prompt',
  promptHint: 'Describe what happens between the first and the last frame.',
  characterCount: (count: number, max: number) => `${count} / ${max}`,
  advancedOptions: 'Advanced options',
  negativePrompt: 'Negative prompt',
  negativePromptHint: 'What the video should avoid.',
  seed: 'Seed',
  seedHint: 'The same seed and inputs give a similar video. Leave it empty for a random one.',
  randomSeed: 'Random seed',
  watermark: 'Add an “AI-generated” watermark',
  promptExtend: 'Let the service rewrite the prompt',
  promptExtendHint: 'Adds detail to short prompts; takes a few seconds longer.',
  model: 'Model',
  resolution: 'Resolution',
  defaultOption: (value: string) => `${value} (default)`,
  template: 'Effect template',
  noTemplate: 'None',
  estimatedCost: (estimate: CostEstimate, locale: string) => {
    const money = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: estimate.currency,
    }).format(estimate.amount);
    return `Estimated cost: ${estimate.approximate ? 'about ' : ''}${money} for ${estimate.seconds} s at ${estimate.resolution}.`;
  },
  costUnknown: 'The price of this choice is not known.',
  generate: 'Generate',
  cancel: 'Cancel',
  startOver: 'Start over',
  originalPrompt: 'Your prompt',
  rewrittenPrompt: 'Rewritten by the service',

  videoLabel: 'Generated video',
  videoPlaceholder: 'The video will appear here.',
  progressLabel: 'Progress',
  elapsed: (ms: number) => `Elapsed ${clockTime(ms)}`,
  download: 'Download video',
  downloading: 'Downloading…',
  downloadOpened:
    'The copy could not be saved here, so the video opened in a new tab. Save it from there.',
  openVideo: 'Open the video',
  expiresIn: (ms: number) => {
    const minutes = Math.floor(ms / 60_000);
    if (minutes < 1) return 'The link expires in less than a minute. Download the video now.';
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    const time = hours > 0 ? `${hours} h ${rest} min` : `${minutes} min`;
    return `The link expires in ${time}. Download the video to keep it.`;
  },
  linkExpired: 'The link has expired. Make the video again to watch it.',
  retry: 'Try again',
  retryNow: 'Try now',
  generateAgain: 'Make it again',
});
