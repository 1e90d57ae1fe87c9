/**
 * The file name a downloaded video is saved under: what it shows (the prompt's first words)
 * and when it was made, so a folder of downloads sorts and reads well —
 * `keyframe-video-2025-09-29-1418-a-cat-looks-up.mp4`.
 */

/** What the name is made from. */
export interface VideoFileNameInput {
  /** The prompt as the user wrote it; only its Latin letters and digits are used. */
  readonly prompt?: string | undefined;
  /** When the video was made (epoch ms), written in local time. */
  readonly madeAt: number;
  /** The video's media type, for the extension (default MP4). */
  readonly type?: string | undefined;
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
};

function two(value: number): string {
  return String(value).padStart(2, '0');
}

/** The extension for a video media type (`mp4` when unknown). */
export function videoExtension(type: string | undefined): string {
  const base = type?.split(';')[0]?.trim().toLowerCase() ?? '';
  return EXTENSIONS[base] ?? 'mp4';
}

/**
 * A safe, sortable file name: `keyframe-video-YYYY-MM-DD-HHmm[-prompt-words].ext`. Characters
 * that file systems reject never appear; prompts in other scripts leave only the date.
 */
export function videoFileName(input: VideoFileNameInput): string {
  const date = new Date(input.madeAt);
  const stamp = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}`;
  const words = (input.prompt ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .match(/[a-z0-9]+/g);
  let slug = '';
  for (const word of words ?? []) {
    const next = slug === '' ? word : `${slug}-${word}`;
    if (next.length > 40) break;
    slug = next;
  }
  return `keyframe-video-${stamp}${slug === '' ? '' : `-${slug}`}.${videoExtension(input.type)}`;
}
