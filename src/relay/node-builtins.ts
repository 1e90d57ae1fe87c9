/**
 * Node's built-in modules, when the relay runs on Node itself: fetched at run time with
 * `process.getBuiltinModule` (Node ≥ 20.16), never imported, so the relay entry still bundles
 * and runs on edge runtimes. The relay uses them only to go faster where Web APIs are slow in
 * Node (`fetch` per call, UTF-8 decoding of megabyte bodies); Bun, Deno and Workers shims get
 * `undefined` and the relay uses the Web APIs there.
 */
import type { Agent, ClientRequest, RequestOptions } from 'node:http';

/** The parts of node:http and node:https the relay uses. */
export interface HttpModule {
  request(url: string, options: RequestOptions): ClientRequest;
  Agent: new (options: {
    keepAlive: boolean;
    timeout: number;
    scheduling: 'lifo' | 'fifo';
  }) => Agent;
}

/** The parts of node:buffer the relay uses. */
export interface BufferModule {
  Buffer: {
    byteLength(text: string, encoding: 'utf8'): number;
    from(text: string, encoding: 'base64'): Uint8Array;
    from(
      buffer: ArrayBufferLike,
      byteOffset: number,
      length: number,
    ): Uint8Array & { toString(encoding: 'latin1'): string; indexOf(byte: number): number };
  };
  isAscii(bytes: Uint8Array): boolean;
}

/** What {@link nodeBuiltins} gives on Node. */
export interface NodeBuiltins {
  readonly http: HttpModule;
  readonly https: HttpModule;
  readonly buffer: BufferModule;
}

interface NodeProcess {
  versions?: { node?: string; bun?: string; deno?: string };
  getBuiltinModule?: (id: string) => unknown;
}

function load(): NodeBuiltins | undefined {
  try {
    const process = (globalThis as { process?: NodeProcess }).process;
    const versions = process?.versions;
    if (typeof versions?.node !== 'string' || versions.bun || versions.deno) return undefined;
    // Workers with nodejs_compat say they are Node; their navigator says otherwise.
    const userAgent = (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent;
    if (typeof userAgent === 'string' && !userAgent.startsWith('Node.js')) return undefined;
    if (typeof process?.getBuiltinModule !== 'function') return undefined;
    const http = process.getBuiltinModule('node:http') as HttpModule | undefined;
    const https = process.getBuiltinModule('node:https') as HttpModule | undefined;
    const buffer = process.getBuiltinModule('node:buffer') as BufferModule | undefined;
    if (
      typeof http?.request !== 'function' ||
      typeof https?.request !== 'function' ||
      typeof buffer?.isAscii !== 'function' ||
      typeof buffer.Buffer.from !== 'function' ||
      typeof buffer.Buffer.byteLength !== 'function'
    ) {
      return undefined;
    }
    return { http, https, buffer };
  } catch {
    return undefined;
  }
}

let loaded: { readonly builtins: NodeBuiltins | undefined } | undefined;

/** Node's modules on Node (looked up once), else `undefined`. */
export function nodeBuiltins(): NodeBuiltins | undefined {
  loaded ??= { builtins: load() };
  return loaded.builtins;
}
