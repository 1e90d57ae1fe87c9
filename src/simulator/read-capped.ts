/**
 * Reads a request or response body with a size cap, so an oversized upload or download is
 * refused without being held in memory: a declared `Content-Length` over the cap is refused
 * unread, and counting stops the stream as soon as the cap is passed (`core/read-capped.ts`).
 */
import { readCappedStream } from '../core/read-capped.js';

/** The whole body, or `'too-large'` when it is (or says it is) over `maxBytes`. */
export async function readCapped(
  message: Request | Response,
  maxBytes: number,
): Promise<Uint8Array | 'too-large'> {
  const declared = Number(message.headers.get('Content-Length') ?? 'NaN');
  if (declared > maxBytes) {
    await message.body?.cancel();
    return 'too-large';
  }
  const read = await readCappedStream(message.body, maxBytes);
  return read.kind === 'read' ? read.bytes : 'too-large';
}
