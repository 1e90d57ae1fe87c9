/**
 * Reads a request or response body with a size cap, so an oversized upload or download is
 * refused without being held in memory: a declared `Content-Length` over the cap is refused
 * unread, and counting stops the stream as soon as the cap is passed.
 */

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
  if (!message.body) return new Uint8Array(0);
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return 'too-large';
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
