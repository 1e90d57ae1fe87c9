/**
 * Saves a copy of a video: fetch it as a blob and hand it to the browser through an object URL
 * and `<a download>`, which names the file. Where that cannot work (the link's server does not
 * allow cross-origin reads, or the browser has no object URLs) it opens the link instead, so
 * the user can still save it from the browser's own player.
 */
import { systemClock, type Clock } from '../core/index.js';

/** How the video reached the user: saved under the name, opened in a new tab, or not (aborted). */
export type SaveVideoOutcome = 'saved' | 'opened' | 'aborted';

/** Options of {@link saveVideo}. */
export interface SaveVideoOptions {
  /** The file name for the video's media type (`video/mp4` → `….mp4`). */
  readonly fileName: (type: string) => string;
  /** The fetch to read the video with (default: the global one). */
  readonly fetch?: typeof fetch | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Schedules freeing the object URL (default: the global `setTimeout`). */
  readonly clock?: Pick<Clock, 'setTimeout'> | undefined;
}

/** How long the object URL lives after the download started. */
const OBJECT_URL_LIFETIME_MS = 10_000;

function follow(href: string, attributes: { download?: string; target?: string }): void {
  const link = document.createElement('a');
  link.href = href;
  if (attributes.download !== undefined) link.download = attributes.download;
  if (attributes.target !== undefined) {
    link.target = attributes.target;
    link.rel = 'noopener';
  }
  link.hidden = true;
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
  }
}

/** Saves the video at `url`; resolves with how it reached the user. Never rejects. */
export async function saveVideo(url: string, options: SaveVideoOptions): Promise<SaveVideoOutcome> {
  const read = options.fetch ?? globalThis.fetch;
  try {
    if (typeof URL.createObjectURL !== 'function') throw new Error('No object URLs here.');
    const response = await read(url, { signal: options.signal ?? null });
    if (!response.ok) throw new Error(`The video answered ${String(response.status)}.`);
    const blob = await response.blob();
    const objectUrl = URL.createObjectURL(blob);
    follow(objectUrl, { download: options.fileName(blob.type) });
    // The download has started from the URL; give the browser a moment before freeing it.
    (options.clock ?? systemClock).setTimeout(
      () => URL.revokeObjectURL(objectUrl),
      OBJECT_URL_LIFETIME_MS,
    );
    return 'saved';
  } catch {
    if (options.signal?.aborted) return 'aborted';
    follow(url, { target: '_blank' });
    return 'opened';
  }
}
