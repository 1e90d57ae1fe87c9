/**
 * The only three things the relay does, matched on the request path: create a task, read a
 * task, cancel a task. The relay can be mounted under any prefix (the path is matched from its
 * end), or under a fixed `basePath`. Everything else — other DashScope paths, other methods,
 * odd path segments — is "not found".
 */

/** DashScope's create path, after the API base. */
export const CREATE_PATH = '/services/aigc/image2video/video-synthesis';

/** A matched request. `taskId` is the raw path segment (checked by the task id signer). */
export type RelayRouteMatch =
  | { readonly route: 'create' }
  | { readonly route: 'get'; readonly taskId: string }
  | { readonly route: 'cancel'; readonly taskId: string }
  | { readonly route: 'unmatched' };

const TASK_PATH = /\/tasks\/([^/]*)(\/cancel)?$/;
const UNMATCHED: RelayRouteMatch = Object.freeze({ route: 'unmatched' });

/**
 * Matches a method and URL path. With `basePath` the path must be exactly
 * `basePath + <DashScope path>`; without it, only the end of the path is matched (so the relay
 * works under whatever prefix a framework mounts it at).
 */
export function matchRoute(method: string, pathname: string, basePath?: string): RelayRouteMatch {
  let rest = pathname;
  if (basePath !== undefined) {
    if (!pathname.startsWith(`${basePath}/`)) return UNMATCHED;
    rest = pathname.slice(basePath.length);
  }
  if (rest.endsWith(CREATE_PATH) && (basePath === undefined || rest === CREATE_PATH)) {
    return method === 'POST' ? { route: 'create' } : UNMATCHED;
  }
  const task = TASK_PATH.exec(rest);
  if (!task || (basePath !== undefined && task.index !== 0)) return UNMATCHED;
  const taskId = task[1] ?? '';
  if (task[2] !== undefined) return method === 'POST' ? { route: 'cancel', taskId } : UNMATCHED;
  return method === 'GET' ? { route: 'get', taskId } : UNMATCHED;
}

/** Normalises a base path option: leading `/`, no trailing `/`; `""` and `"/"` mean none. */
export function normaliseBasePath(basePath: string | undefined): string | undefined {
  if (basePath === undefined) return undefined;
  const trimmed = basePath.trim().replace(/\/+$/, '');
  if (trimmed === '') return undefined;
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
