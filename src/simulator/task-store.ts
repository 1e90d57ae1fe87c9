/**
 * The simulator's task records and their lifecycle. A task's status is never stored: it is
 * computed from the clock (queued until a slot frees and its queue time has passed, running for
 * its run time, then SUCCEEDED or FAILED), so a manual clock moves every task exactly. Records
 * answer UNKNOWN 24 h after submission and are forgotten once their video link has expired too.
 */
import { startDueTasks, type SlotTask } from './limits.js';
import type { TaskFailure } from './faults.js';

/** How long DashScope keeps task records and video links. */
export const RETENTION_MS = 24 * 60 * 60 * 1000;
/** Records outlive their link by this much (links expire on whole seconds, rounded up). */
const FORGET_AFTER_MS = RETENTION_MS + 60_000;

/** The statuses a live record can have (UNKNOWN is the absence of a record). */
export type LiveTaskStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

/** What `usage` a finished task reports. */
export type TaskUsage =
  | { readonly kind: 'SR'; readonly resolution: number }
  | { readonly kind: 'ratio'; readonly videoRatio: string };

/** The video a task serves, made on first download. */
export interface TaskVideo {
  readonly bytes: Uint8Array;
  readonly type: string;
}

/** One task as the simulator keeps it. */
export interface TaskRecord extends SlotTask {
  readonly taskId: string;
  /** The account (a fingerprint of the API key, never the key). */
  readonly owner: string;
  /** The `request_id` of the create that made it. */
  readonly requestId: string;
  readonly model: string;
  readonly submitAt: number;
  readonly prompt: string | undefined;
  /** The rewritten prompt, when prompt extension is on. */
  readonly actualPrompt: string | undefined;
  readonly usage: TaskUsage;
  canceledAt: number | undefined;
  /** Set when the task will end FAILED instead of SUCCEEDED. */
  failure: TaskFailure | undefined;
  /** The frames as sent, kept until the video is made (then dropped to free memory). */
  frames: { readonly first: string; readonly last: string | undefined } | undefined;
  video: Promise<TaskVideo> | undefined;
}

/** When a started task ends. */
export function endOf(task: TaskRecord): number | undefined {
  return task.startedAt === undefined ? undefined : task.startedAt + task.runMs;
}

/** A record's status at `now` (the store must have been advanced to `now`). */
export function statusAt(task: TaskRecord, now: number): LiveTaskStatus {
  if (task.canceledAt !== undefined) return 'CANCELED';
  const end = endOf(task);
  if (task.startedAt === undefined || end === undefined) return 'PENDING';
  if (now < end) return 'RUNNING';
  return task.failure ? 'FAILED' : 'SUCCEEDED';
}

/** Whether a record still answers (it answers UNKNOWN 24 h after submission). */
export function isAnswering(task: TaskRecord, now: number): boolean {
  return now < task.submitAt + RETENTION_MS;
}

/** All task records, per account. */
export interface TaskStore {
  add(task: TaskRecord): void;
  /**
   * Brings every task up to `now`: starts queued tasks as slots allow (at most `slots` running
   * per account) and forgets records whose link has expired.
   */
  advance(now: number, slots: number): void;
  /** The account's record for `taskId` if it still answers, else `undefined` (→ UNKNOWN). */
  find(taskId: string, owner: string, now: number): TaskRecord | undefined;
  /** Any record by id, whoever owns it (video links are not tied to an account). */
  get(taskId: string): TaskRecord | undefined;
  /** The account's answering records, newest first. */
  ofOwner(owner: string, now: number): TaskRecord[];
  /** Every record kept, oldest first. */
  all(): readonly TaskRecord[];
  clear(): void;
}

/** Makes an empty {@link TaskStore}. */
export function createTaskStore(): TaskStore {
  const tasks = new Map<string, TaskRecord>();
  return {
    add(task) {
      tasks.set(task.taskId, task);
    },
    advance(now, slots) {
      const byOwner = new Map<string, TaskRecord[]>();
      for (const task of tasks.values()) {
        const end = endOf(task) ?? task.canceledAt ?? task.submitAt;
        if (now >= Math.max(end, task.submitAt) + FORGET_AFTER_MS) {
          tasks.delete(task.taskId);
          continue;
        }
        if (task.canceledAt !== undefined) continue;
        const list = byOwner.get(task.owner) ?? [];
        list.push(task);
        byOwner.set(task.owner, list);
      }
      for (const list of byOwner.values()) {
        // Only tasks still running when the first waiting one is ready can hold it back.
        const firstReady = Math.min(
          ...list.filter((t) => t.startedAt === undefined).map((t) => t.readyAt),
        );
        if (firstReady === Infinity) continue;
        startDueTasks(
          list.filter((t) => (endOf(t) ?? Infinity) > firstReady),
          now,
          slots,
        );
      }
    },
    find(taskId, owner, now) {
      const task = tasks.get(taskId);
      if (!task || task.owner !== owner || !isAnswering(task, now)) return undefined;
      return task;
    },
    get(taskId) {
      return tasks.get(taskId);
    },
    ofOwner(owner, now) {
      return [...tasks.values()]
        .filter((task) => task.owner === owner && isAnswering(task, now))
        .sort((a, b) => b.submitAt - a.submitAt || b.seq - a.seq);
    },
    all() {
      return [...tasks.values()];
    },
    clear() {
      tasks.clear();
    },
  };
}
