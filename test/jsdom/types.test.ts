// Type tests for the hooks' public API: the state unions narrow to exactly what each state has,
// and the options reject what they should. Checked by `tsc -p tsconfig.json` (and run as tests).
import { describe, expectTypeOf, test } from 'vitest';
import type {
  KeyframeVideoError,
  KeyframeVideoUsage,
  TaskPollStatus,
} from '../../src/core/index.js';
import {
  useKeyframeVideo,
  useTaskPoll,
  type FrameSlot,
  type KeyframeVideoActivePhase,
  type KeyframeVideoField,
  type KeyframeVideoFrame,
  type KeyframeVideoJob,
  type KeyframeVideoPhase,
  type KeyframeVideoProviderProps,
  type KeyframeVideoResult,
  type KeyframeVideoStatus,
  type UseKeyframeVideoOptions,
  type UseKeyframeVideoResult,
  type UseTaskPollOptions,
  type UseTaskPollResult,
} from '../../src/index.js';

type Job<S extends KeyframeVideoStatus> = Extract<KeyframeVideoJob, { status: S }>;
type Frame<S extends KeyframeVideoFrame['status']> = Extract<KeyframeVideoFrame, { status: S }>;

describe('the state unions', () => {
  test('statuses and phases are named string unions', () => {
    expectTypeOf<KeyframeVideoPhase>().toEqualTypeOf<
      | 'idle'
      | 'preparing'
      | 'submitting'
      | 'queued'
      | 'running'
      | 'succeeded'
      | 'failed'
      | 'canceled'
      | 'expired'
    >();
    expectTypeOf<KeyframeVideoStatus>().toEqualTypeOf<KeyframeVideoPhase | 'retrying' | 'error'>();
    expectTypeOf<KeyframeVideoJob['status']>().toEqualTypeOf<KeyframeVideoStatus>();
    expectTypeOf<FrameSlot>().toEqualTypeOf<'first' | 'last'>();
  });

  test('each state carries exactly what it has', () => {
    expectTypeOf<Job<'idle'>>().toEqualTypeOf<{
      readonly status: 'idle';
      readonly phase: 'idle';
    }>();
    expectTypeOf<Job<'succeeded'>['result']>().toEqualTypeOf<KeyframeVideoResult>();
    expectTypeOf<Job<'queued'>['taskId']>().toEqualTypeOf<string>();
    expectTypeOf<Job<'running'>['expectedDurationMs']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Job<'retrying'>['phase']>().toEqualTypeOf<KeyframeVideoActivePhase>();
    expectTypeOf<Job<'retrying'>['retryAt']>().toEqualTypeOf<number>();
    expectTypeOf<Job<'retrying'>['error']>().toEqualTypeOf<KeyframeVideoError>();
    expectTypeOf<Job<'error'>['phase']>().toEqualTypeOf<'submitting' | 'queued' | 'running'>();
    expectTypeOf<Job<'failed'>['error']>().toEqualTypeOf<KeyframeVideoError>();
    expectTypeOf<Job<'failed'>['taskId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Job<'expired'>['result']>().toEqualTypeOf<KeyframeVideoResult | undefined>();
    expectTypeOf<Job<'idle'>>().not.toHaveProperty('error');
    expectTypeOf<Job<'queued'>>().not.toHaveProperty('result');
    expectTypeOf<Job<'canceled'>>().not.toHaveProperty('error');
  });

  test('narrowing on status gives the state’s fields', () => {
    const show = (job: KeyframeVideoJob): string => {
      switch (job.status) {
        case 'succeeded':
          expectTypeOf(job.result.videoUrl).toEqualTypeOf<string>();
          return job.result.videoUrl;
        case 'retrying':
          expectTypeOf(job.retryAt).toEqualTypeOf<number>();
          return String(job.retryAt);
        case 'failed':
        case 'expired':
        case 'error':
          return job.error.message;
        default:
          expectTypeOf(job.status).toEqualTypeOf<
            'idle' | 'preparing' | 'submitting' | 'queued' | 'running' | 'canceled'
          >();
          return job.phase;
      }
    };
    expectTypeOf(show).returns.toEqualTypeOf<string>();
  });

  test('frames are a union by status, too', () => {
    expectTypeOf<KeyframeVideoFrame['status']>().toEqualTypeOf<
      'empty' | 'preparing' | 'ready' | 'invalid'
    >();
    expectTypeOf<Frame<'ready'>['url']>().toEqualTypeOf<string>();
    expectTypeOf<Frame<'invalid'>['error']>().toEqualTypeOf<KeyframeVideoError>();
    expectTypeOf<Frame<'empty'>>().not.toHaveProperty('url');
  });

  test('results', () => {
    expectTypeOf<KeyframeVideoResult['expiresAt']>().toEqualTypeOf<number>();
    expectTypeOf<KeyframeVideoResult['usage']>().toEqualTypeOf<KeyframeVideoUsage | undefined>();
    expectTypeOf<UseKeyframeVideoResult['fieldErrors']>().toEqualTypeOf<
      Readonly<Partial<Record<KeyframeVideoField, KeyframeVideoError>>>
    >();
  });
});

describe('options', () => {
  test('useKeyframeVideo', () => {
    expectTypeOf(useKeyframeVideo)
      .parameter(0)
      .toEqualTypeOf<UseKeyframeVideoOptions | undefined>();
    expectTypeOf(useKeyframeVideo).returns.toEqualTypeOf<UseKeyframeVideoResult>();
    expectTypeOf<UseKeyframeVideoOptions>().toHaveProperty('persistKey');
    expectTypeOf<{ persistKey: 'studio'; tick: 1000 }>().toMatchTypeOf<UseKeyframeVideoOptions>();
    expectTypeOf<{ persistKey: 42 }>().not.toMatchTypeOf<UseKeyframeVideoOptions>();
    expectTypeOf<{ prepare: 'never' }>().not.toMatchTypeOf<UseKeyframeVideoOptions>();
    expectTypeOf<{ prepare: 'off' }>().toMatchTypeOf<UseKeyframeVideoOptions>();
  });

  test('setInput is typed per input', () => {
    const check = (kfv: UseKeyframeVideoResult) => {
      kfv.setInput('seed', 42);
      kfv.setInput('resolution', undefined);
      // @ts-expect-error a seed is a number
      kfv.setInput('seed', '42');
      // @ts-expect-error there is no such input
      kfv.setInput('duration', 5);
      kfv.setFrame('first', new Blob());
      // @ts-expect-error slots are first and last
      kfv.setFrame('middle', null);
    };
    expectTypeOf(check).toBeFunction();
  });

  test('prop getters keep the app’s own props and add theirs', () => {
    const check = (kfv: UseKeyframeVideoResult) => {
      const prompt = kfv.getPromptProps({ 'aria-label': 'Prompt', rows: 4 });
      expectTypeOf(prompt['aria-label']).toEqualTypeOf<string>();
      expectTypeOf(prompt.rows).toEqualTypeOf<number>();
      expectTypeOf(prompt.value).toEqualTypeOf<string>();
      const submit = kfv.getSubmitButtonProps();
      expectTypeOf(submit.disabled).toEqualTypeOf<boolean>();
      expectTypeOf(submit['data-state']).toEqualTypeOf<KeyframeVideoStatus>();
      // @ts-expect-error the getter's own props keep their types
      kfv.getSubmitButtonProps({ disabled: 'yes' });
    };
    expectTypeOf(check).toBeFunction();
  });

  test('useTaskPoll is generic over the task', () => {
    interface Render {
      id: string;
      state: 'queued' | 'done';
    }
    expectTypeOf(useTaskPoll<Render>).returns.toEqualTypeOf<UseTaskPollResult<Render>>();
    expectTypeOf<UseTaskPollResult<Render>['data']>().toEqualTypeOf<Render | undefined>();
    expectTypeOf<UseTaskPollResult<Render>['status']>().toEqualTypeOf<TaskPollStatus>();
    expectTypeOf(useTaskPoll<Render>)
      .parameter(0)
      .toEqualTypeOf<string | null>();
    expectTypeOf<{
      fetcher: (id: string) => Promise<Render>;
    }>().not.toMatchTypeOf<UseTaskPollOptions<Render>>();
    expectTypeOf<{
      fetcher: (id: string, init: { signal: AbortSignal }) => Promise<Render>;
      isTerminal: (render: Render) => boolean;
    }>().toMatchTypeOf<UseTaskPollOptions<Render>>();
  });

  test('the provider takes an endpoint, a transport or a client', () => {
    expectTypeOf<{ endpoint: '/api/kfv' }>().toMatchTypeOf<KeyframeVideoProviderProps>();
    expectTypeOf<{ endpoint: 42 }>().not.toMatchTypeOf<KeyframeVideoProviderProps>();
    expectTypeOf<KeyframeVideoProviderProps['messages']>().not.toBeAny();
  });
});
