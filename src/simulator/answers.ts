/**
 * How the simulator words and shapes its answers: DashScope's own messages per error code, JSON
 * and error bodies with a `request_id`, the OSS-style XML errors of video links, the HTML page a
 * gateway sends when it fails, and a response whose connection drops mid-way.
 */

/**
 * The messages DashScope sends with each code (from its published error-code table and observed
 * answers). Used when a fault or a rule names a code without a message.
 */
export const DASHSCOPE_MESSAGES: Readonly<Record<string, string>> = {
  InvalidParameter:
    'Required parameter(s) missing or invalid, please check the request parameters.',
  DataInspectionFailed: 'Input or output data may contain inappropriate content.',
  IPInfringementSuspect: 'Input data is suspected of being involved in IP infringement.',
  Arrearage: 'Access denied, please make sure your account is in good standing.',
  InvalidApiKey: 'Invalid API-key provided.',
  AccessDenied: 'Access denied.',
  'AccessDenied.Unpurchased':
    'Access to model denied. Please make sure you are eligible for using the model.',
  ModelNotFound: 'Model not exist.',
  RequestTimeOut: 'Request timed out, please try again later.',
  'BadRequest.TooLarge': 'Payload Too Large.',
  'BadRequest.InputDownloadFailed': 'Failed to download the input file.',
  'BadRequest.UnsupportedFileFormat': 'Input file format is not supported.',
  UnsupportedOperation: 'The operation is unsupported on the referee object.',
  Throttling: 'Requests throttling triggered.',
  'Throttling.RateQuota': 'Requests rate limit exceeded, please try again later.',
  'Throttling.AllocationQuota': 'Allocated quota exceeded, please increase your quota limit.',
  InternalError:
    'An internal error has occured, please try again later or contact service support.',
  'InternalError.Algo':
    'An internal error has occured during execution, please try again later or contact service support.',
  'InternalError.Timeout':
    'An internal timeout error has occured during execution, please try again later or contact service support.',
  ModelUnavailable: 'Model is unavailable, please try again later.',
  NotFound: 'Not found!',
};

/** The HTTP status DashScope answers each code with. */
export const DASHSCOPE_STATUSES: Readonly<Record<string, number>> = {
  InvalidParameter: 400,
  DataInspectionFailed: 400,
  IPInfringementSuspect: 400,
  Arrearage: 400,
  UnsupportedOperation: 400,
  'BadRequest.InputDownloadFailed': 400,
  InvalidApiKey: 401,
  AccessDenied: 403,
  'AccessDenied.Unpurchased': 403,
  ModelNotFound: 404,
  NotFound: 404,
  RequestTimeOut: 408,
  'BadRequest.TooLarge': 413,
  'BadRequest.UnsupportedFileFormat': 415,
  Throttling: 429,
  'Throttling.RateQuota': 429,
  'Throttling.AllocationQuota': 429,
  InternalError: 500,
  'InternalError.Algo': 500,
  'InternalError.Timeout': 500,
  ModelUnavailable: 503,
};

/** The message for a code: DashScope's own words, or the code itself for codes it never sends. */
export function messageFor(code: string): string {
  return DASHSCOPE_MESSAGES[code] ?? code;
}

/** The HTTP status for a code (400 for codes not in the table). */
export function statusFor(code: string): number {
  return DASHSCOPE_STATUSES[code] ?? 400;
}

const JSON_TYPE = 'application/json';

/** A JSON answer (DashScope always sends `application/json`). */
export function jsonAnswer(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  const all = new Headers(headers);
  all.set('Content-Type', JSON_TYPE);
  return new Response(JSON.stringify(body), { status, headers: all });
}

/** What an error answer says: DashScope's fields plus our optional `param` and `Retry-After`. */
export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  /** The request field concerned (a simulator extra the relay also adds). */
  param?: string | undefined;
  /** Sent as the `Retry-After` header, in whole seconds. */
  retryAfterSec?: number | undefined;
}

/** An error answer: `{code, message, request_id}` (+ `param`), JSON, with its HTTP status. */
export function errorAnswer(error: ErrorAnswer, requestId: string): Response {
  const body: Record<string, string> = {
    code: error.code,
    message: error.message,
    request_id: requestId,
  };
  if (error.param) body.param = error.param;
  const headers: Record<string, string> = {};
  if (error.retryAfterSec !== undefined) headers['Retry-After'] = String(error.retryAfterSec);
  return jsonAnswer(body, error.status, headers);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

/** What an OSS-style error says (video links are served by OSS in the real service). */
export interface OssError {
  status: number;
  code: 'AccessDenied' | 'SignatureDoesNotMatch' | 'NoSuchKey' | 'InvalidRange';
  message: string;
  requestId: string;
  /** Extra elements, e.g. `Expires` and `ServerTime` for an expired link. */
  extra?: Readonly<Record<string, string>>;
}

/** An OSS-style XML error, as a browser or `curl` gets for an expired or tampered video link. */
export function ossErrorAnswer(error: OssError, headers: HeadersInit = {}): Response {
  const extra = Object.entries(error.extra ?? {})
    .map(([name, value]) => `  <${name}>${escapeXml(value)}</${name}>\n`)
    .join('');
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n' +
    `  <Code>${error.code}</Code>\n  <Message>${escapeXml(error.message)}</Message>\n` +
    `  <RequestId>${escapeXml(error.requestId)}</RequestId>\n` +
    '  <HostId>dashscope-result-sim.oss-simulated.aliyuncs.com</HostId>\n' +
    extra +
    '</Error>\n';
  const all = new Headers(headers);
  all.set('Content-Type', 'application/xml');
  all.set('x-oss-request-id', error.requestId);
  return new Response(xml, { status: error.status, headers: all });
}

/** The page a failing gateway sends instead of JSON (Aliyun's edge runs Tengine). */
export function badGatewayPage(): Response {
  const html =
    '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n' +
    '<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n';
  return new Response(html, { status: 502, headers: { 'Content-Type': 'text/html' } });
}

/**
 * The error a dropped answer's body fails with. A `TypeError`, like the error `fetch` gives for a
 * broken connection, so clients classify it as a network error; servers can recognise it by name
 * and stay quiet.
 */
export class SimulatedConnectionDrop extends TypeError {
  override readonly name = 'SimulatedConnectionDrop';
  constructor() {
    super('The simulator dropped this connection on purpose (a "drop" fault).');
  }
}

/** Whether `error` is the simulator's deliberate connection drop (servers need not log it). */
export function isSimulatedConnectionDrop(error: unknown): boolean {
  return (
    error instanceof SimulatedConnectionDrop ||
    (error instanceof Error && error.name === 'SimulatedConnectionDrop')
  );
}

const dropped = new WeakSet<Response>();

/**
 * An answer whose body fails before any byte arrives: a Node server closes the connection (the
 * client's `fetch` rejects), and adapters that can fail a request outright (MSW's
 * `Response.error()`) recognise it with {@link isDroppedAnswer}.
 */
export function droppedAnswer(): Response {
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        controller.error(new SimulatedConnectionDrop());
      },
    },
    { highWaterMark: 0 },
  );
  const response = new Response(body, { status: 200, headers: { 'Content-Type': JSON_TYPE } });
  dropped.add(response);
  return response;
}

/** Whether `response` is a dropped answer (its connection is meant to fail). */
export function isDroppedAnswer(response: Response): boolean {
  return dropped.has(response);
}
