import { describe, expect, it } from 'vitest';
import {
  DASHSCOPE_ERROR_CODES,
  KeyframeVideoError,
  defaultErrorMessages,
  errorMessageFor,
  isKeyframeVideoError,
  toKeyframeVideoError,
} from '../../src/core/index.js';

describe('KeyframeVideoError', () => {
  it('has a user-facing message for every DashScope code in the API notes', () => {
    for (const code of DASHSCOPE_ERROR_CODES) {
      const error = new KeyframeVideoError({ code });
      expect(error.message, code).toBe(defaultErrorMessages[code]);
      expect(error.message.length, code).toBeGreaterThan(20);
    }
  });

  it('derives retryability from the code and the status', () => {
    expect(new KeyframeVideoError({ code: 'Throttling.RateQuota', status: 429 }).retryable).toBe(
      true,
    );
    expect(new KeyframeVideoError({ code: 'InternalError', status: 500 }).retryable).toBe(true);
    expect(new KeyframeVideoError({ code: 'InvalidParameter', status: 400 }).retryable).toBe(false);
    expect(new KeyframeVideoError({ code: 'DataInspectionFailed', status: 400 }).retryable).toBe(
      false,
    );
    expect(new KeyframeVideoError({ code: 'SomethingNew', status: 503 }).retryable).toBe(true);
  });

  it('keeps unknown upstream codes and falls back to a generic sentence', () => {
    const error = new KeyframeVideoError({ code: 'Brand.NewCode', detail: 'upstream said so' });
    expect(error.code).toBe('Brand.NewCode');
    expect(error.message).toBe(defaultErrorMessages.Unknown);
    expect(errorMessageFor('Throttling.Something')).toBe(defaultErrorMessages.Throttling);
  });

  it('takes a replacement message table', () => {
    const error = new KeyframeVideoError({ code: 'Arrearage' });
    expect(error.localized({ Arrearage: '账户欠费' })).toBe('账户欠费');
    expect(error.localized({})).toBe(defaultErrorMessages.Arrearage);
  });

  it('turns thrown values into errors with a code', () => {
    expect(toKeyframeVideoError(new DOMException('x', 'AbortError')).code).toBe('Aborted');
    expect(toKeyframeVideoError(new DOMException('x', 'TimeoutError')).code).toBe('Timeout');
    expect(toKeyframeVideoError(new TypeError('fetch failed')).code).toBe('NetworkError');
    expect(toKeyframeVideoError('boom').code).toBe('Unknown');
    const original = new KeyframeVideoError({ code: 'Forbidden', status: 403 });
    expect(toKeyframeVideoError(original)).toBe(original);
    expect(isKeyframeVideoError(JSON.parse(JSON.stringify(original)))).toBe(true);
  });
});
