/**
 * How the relay speaks HTTP to upstream: one request out (built from scratch by `upstream.ts`),
 * one capped answer back, and a way to end the exchange early (deadline, client gone). Two
 * implementations: `fetch` (every runtime, and whenever the `fetch` option is given) and
 * node:http(s) with a keep-alive agent (`upstream-node-http.ts`, the default on Node, where it
 * costs a fraction of what Node's `fetch` does per call).
 */
import { readCappedStream } from '../core/read-capped.js';

/**
 * A piece of a request body. `ascii` pieces (frames that passed the frame checks: base64 data
 * URLs) hold only ASCII characters, so their byte length is their length and they are sent
 * without re-encoding.
 */
export interface UpstreamBodyPiece {
  readonly text: string;
  readonly encoding: 'ascii' | 'utf-8';
}

/** One request to upstream. */
export interface UpstreamRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** The complete header set (the transport adds only what HTTP itself needs). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as pieces sent back to back (a create body: JSON around spliced frames). */
  readonly body?: readonly UpstreamBodyPiece[] | undefined;
}

/** An answer's body: read whole, or refused because it passed the cap (reading stopped there). */
export type UpstreamReplyBody =
  { readonly kind: 'read'; readonly bytes: Uint8Array } | { readonly kind: 'too-long' };

/** What came back: the status, a `Retry-After` value, the body. Nothing else is kept. */
export interface UpstreamReply {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: UpstreamReplyBody;
}

/** An exchange in flight. `reply` rejects when no complete answer arrives (or after `abort`). */
export interface UpstreamExchange {
  readonly reply: Promise<UpstreamReply>;
  /** Ends the exchange now: the connection is closed and `reply` rejects. */
  abort(): void;
}

/** Sends one request; answers longer than `maxAnswerBytes` come back as `too-long`. */
export type UpstreamTransport = (
  request: UpstreamRequest,
  maxAnswerBytes: number,
) => UpstreamExchange;

function joinPieces(pieces: readonly UpstreamBodyPiece[]): string {
  let text = '';
  for (const piece of pieces) text += piece.text;
  return text;
}

async function readCapped(response: Response, maxBytes: number): Promise<UpstreamReplyBody> {
  const read = await readCappedStream(response.body, maxBytes);
  return read.kind === 'read' ? read : { kind: 'too-long' };
}

/**
 * The transport over a `fetch` function: redirects are not followed (`redirect: "manual"`), the
 * body pieces are joined into one string, the answer is read with the cap.
 */
export function createFetchTransport(fetchFunction: typeof fetch): UpstreamTransport {
  return (request, maxAnswerBytes) => {
    const controller = new AbortController();
    const reply = (async (): Promise<UpstreamReply> => {
      const response = await fetchFunction(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: joinPieces(request.body) }),
        redirect: 'manual',
        signal: controller.signal,
      });
      const retryAfter = response.headers.get('retry-after');
      if (response.status >= 300 && response.status < 400) {
        // Not followed and not read: the caller refuses redirects.
        await response.body?.cancel().catch(() => undefined);
        return {
          status: response.status,
          retryAfter,
          body: { kind: 'read', bytes: new Uint8Array(0) },
        };
      }
      return {
        status: response.status,
        retryAfter,
        body: await readCapped(response, maxAnswerBytes),
      };
    })();
    return { reply, abort: () => controller.abort() };
  };
}
