/**
 * The Web Worker that runs `prepareFrame` off the main thread, so decoding a 24-megapixel photo
 * never freezes the page. `prepareFrame` starts it with
 * `new Worker(new URL('./prepare-frame-worker.js', import.meta.url), { type: 'module' })`; Vite
 * (and any bundler that understands that pattern) bundles it with the package. It says `ready`
 * once loaded (with whether it has a 2D OffscreenCanvas), then answers each `prepare` message
 * with `done` or `failed`. Aborts end the whole worker, from the page.
 */
import { isKeyframeVideoError } from './errors.js';
import { runFramePipeline } from './image-pipeline.js';
import type {
  FromFrameWorker,
  SerializedFrameError,
  ToFrameWorker,
} from './prepare-frame-protocol.js';

interface WorkerScope {
  postMessage(message: FromFrameWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToFrameWorker>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

function canvasSupport(): 'offscreen-2d' | 'none' {
  try {
    return typeof OffscreenCanvas === 'function' && new OffscreenCanvas(1, 1).getContext('2d')
      ? 'offscreen-2d'
      : 'none';
  } catch {
    return 'none';
  }
}

function serialize(error: unknown): SerializedFrameError {
  if (isKeyframeVideoError(error)) {
    return { code: error.code, message: error.message, param: error.param, detail: error.detail };
  }
  return {
    code: 'FrameRejected',
    message:
      'The image could not be prepared. Try another image, or export this one again as a JPEG.',
    detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}

async function handle(message: ToFrameWorker): Promise<void> {
  if (message.type !== 'prepare') return;
  try {
    const frame = await runFramePipeline(message.file, message.options, { ranIn: 'worker' });
    scope.postMessage({ type: 'done', id: message.id, frame });
  } catch (error) {
    scope.postMessage({ type: 'failed', id: message.id, error: serialize(error) });
  }
}

scope.addEventListener('message', (event) => void handle(event.data));
scope.postMessage({ type: 'ready', canvas: canvasSupport() });
