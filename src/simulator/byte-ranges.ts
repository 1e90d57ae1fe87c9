/**
 * HTTP byte ranges for the video links, so `<video>` can seek and a download can resume: one
 * `Range: bytes=…` gives 206 with `Content-Range`, an unsatisfiable one 416, anything else the
 * whole file with `Accept-Ranges: bytes`. `HEAD` gets the same headers without a body.
 */

/** What a `Range` header asks for, resolved against the file size. */
export type RangeRequest =
  | { readonly kind: 'whole' }
  | { readonly kind: 'part'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * Reads a `Range` header for a file of `size` bytes. Only single ranges are served as parts;
 * a header that is absent, malformed or asks for several ranges gets the whole file (RFC 9110
 * lets a server ignore Range).
 */
export function parseRange(header: string | null, size: number): RangeRequest {
  if (header === null) return { kind: 'whole' };
  const match = SINGLE_RANGE.exec(header.trim());
  if (!match) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return { kind: 'whole' };
  return { kind: 'part', start, end };
}

/** Serves `bytes` for a GET or HEAD, honouring `Range`. `headers` are added to every answer. */
export function serveBytes(
  request: Request,
  bytes: Uint8Array,
  contentType: string,
  headers: Readonly<Record<string, string>> = {},
): Response {
  const size = bytes.byteLength;
  const common = new Headers(headers);
  common.set('Accept-Ranges', 'bytes');
  common.set('Content-Type', contentType);
  const range = parseRange(request.headers.get('Range'), size);
  const isHead = request.method === 'HEAD';
  if (range.kind === 'unsatisfiable') {
    common.set('Content-Range', `bytes */${String(size)}`);
    return new Response(null, { status: 416, headers: common });
  }
  const start = range.kind === 'part' ? range.start : 0;
  const end = range.kind === 'part' ? range.end : size - 1;
  const body = bytes.slice(start, end + 1);
  common.set('Content-Length', String(body.byteLength));
  if (range.kind === 'part') {
    common.set('Content-Range', `bytes ${String(start)}-${String(end)}/${String(size)}`);
  }
  return new Response(isHead ? null : body, {
    status: range.kind === 'part' ? 206 : 200,
    headers: common,
  });
}
