/**
 * The relay's upstream transport on Node: node:http(s) with a keep-alive agent. Node's `fetch`
 * (undici) wraps every call in `Request`, `Headers`, `AbortSignal` and web streams; on a task
 * read that bookkeeping costs more than the relay's own work, so on Node the relay talks to
 * upstream through `http.request` instead (the modules come from `node-builtins.ts`, never
 * imported). Elsewhere, and whenever the `fetch` option is given, the relay uses `fetch`.
 */
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import { nodeBuiltins, type HttpModule } from './node-builtins.js';
import { joinChunks } from '../core/read-capped.js';
import type { UpstreamReply, UpstreamTransport } from './upstream-transport.js';

/**
 * Idle connections are closed after this long (undici's default too), or earlier when the
 * server's `Keep-Alive: timeout=…` hint says so, so a reused connection is rarely one the
 * server is closing at that moment.
 */
const IDLE_SOCKET_MS = 4_000;

/**
 * The node:http(s) transport, or `undefined` where Node's modules are not available. Each relay
 * gets its own keep-alive agents (made on first use).
 */
export function createNodeHttpTransport(): UpstreamTransport | undefined {
  const modules = nodeBuiltins();
  if (!modules) return undefined;
  const agents = new Map<string, Agent>();
  const agentFor = (protocol: 'http:' | 'https:', module: HttpModule): Agent => {
    let agent = agents.get(protocol);
    if (!agent) {
      agent = new module.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' });
      agents.set(protocol, agent);
    }
    return agent;
  };

  return (request, maxAnswerBytes) => {
    const secure = request.url.startsWith('https:');
    const module = secure ? modules.https : modules.http;
    // Identity only: without Accept-Encoding a server may compress, and nothing here inflates.
    const headers: Record<string, string> = { ...request.headers, 'accept-encoding': 'identity' };
    const body = request.body;
    if (body) {
      let length = 0;
      for (const piece of body) {
        // ASCII pieces (checked frames, megabytes of base64) are counted without a scan.
        length +=
          piece.encoding === 'ascii'
            ? piece.text.length
            : modules.buffer.Buffer.byteLength(piece.text, 'utf8');
      }
      headers['content-length'] = String(length);
    }
    let outgoing: ClientRequest | undefined;
    const reply = new Promise<UpstreamReply>((resolve, reject) => {
      const sent = module.request(request.url, {
        method: request.method,
        headers,
        agent: agentFor(secure ? 'https:' : 'http:', module),
      });
      outgoing = sent;
      // `on`, not `once`: a second error (the socket after the request) must not go unhandled.
      sent.on('error', reject);
      sent.once('response', (answer: IncomingMessage) => {
        const status = answer.statusCode ?? 0;
        const retryAfterHeader = answer.headers['retry-after'];
        const retryAfter = typeof retryAfterHeader === 'string' ? retryAfterHeader : null;
        const chunks: Uint8Array[] = [];
        let total = 0;
        answer.on('data', (chunk: Uint8Array) => {
          total += chunk.byteLength;
          if (total > maxAnswerBytes) {
            sent.destroy();
            resolve({ status, retryAfter, body: { kind: 'too-long' } });
            return;
          }
          chunks.push(chunk);
        });
        answer.once('end', () => {
          resolve({ status, retryAfter, body: { kind: 'read', bytes: joinChunks(chunks, total) } });
        });
        answer.on('error', reject);
        answer.once('close', () => {
          if (!answer.complete) reject(new Error('Upstream closed the connection mid-answer.'));
        });
      });
      if (body) {
        for (const piece of body) {
          sent.write(piece.text, piece.encoding === 'ascii' ? 'latin1' : 'utf8');
        }
      }
      sent.end();
    });
    return {
      reply,
      abort: () => {
        outgoing?.destroy(new Error('Upstream call aborted.'));
      },
    };
  };
}
