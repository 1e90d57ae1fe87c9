/**
 * Signed, expiring video links like the OSS links DashScope returns
 * (`…/xxx.mp4?Expires=<epoch s>&OSSAccessKeyId=…&Signature=…`): a link works until `Expires`,
 * and a changed `Expires` or task id breaks the signature. The signature is a keyed hash with a
 * per-simulator secret — enough to catch tampering in tests, not a security boundary.
 */
import { hash32 } from './random.js';

/** The access key id the simulator's links carry (not a credential of any kind). */
export const SIMULATED_ACCESS_KEY_ID = 'LTAI5tSimulatorKey00';

/** Signs and checks the query of video links. */
export interface LinkSigner {
  /** The query string (without `?`) for a link to `taskId` that expires at `expiresSec`. */
  query(taskId: string, expiresSec: number): string;
  /** Whether `signature` is right for `taskId` and `expiresSec`. */
  verify(taskId: string, expiresSec: number, signature: string): boolean;
}

/** Makes a {@link LinkSigner} whose signatures depend on `secret`. */
export function createLinkSigner(secret: string): LinkSigner {
  function sign(taskId: string, expiresSec: number): string {
    const message = `GET\n${taskId}\n${String(expiresSec)}`;
    const parts = [0x1234567, 0x89abcdef, 0x2468ace0, 0x13579bdf].map((salt) =>
      hash32(message, hash32(secret, salt)).toString(16).padStart(8, '0'),
    );
    return parts.join('');
  }
  return {
    query(taskId, expiresSec) {
      const params = new URLSearchParams({
        Expires: String(expiresSec),
        OSSAccessKeyId: SIMULATED_ACCESS_KEY_ID,
        Signature: sign(taskId, expiresSec),
      });
      return params.toString();
    },
    verify(taskId, expiresSec, signature) {
      return signature === sign(taskId, expiresSec);
    },
  };
}
