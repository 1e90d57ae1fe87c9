/**
 * What official clients add to a create body that DashScope ignores, dropped before the strict
 * schema sees the body — and only in exactly the form those clients send, so the schema still
 * refuses every other unknown field. Today: the Python SDK's `input.function: "video-synthesis"`.
 */

/** `input` keys dropped when they hold exactly this value. */
const IGNORED_INPUT_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({
  function: 'video-synthesis',
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Returns `json` without the fields official clients add and DashScope ignores. Never mutates
 * the input; anything that does not match exactly is left for the schema to judge.
 */
export function dropClientQuirks(json: unknown): unknown {
  if (!isPlainObject(json) || !isPlainObject(json.input)) return json;
  const input = json.input;
  const dropped = Object.keys(IGNORED_INPUT_FIELDS).filter(
    (key) =>
      Object.prototype.hasOwnProperty.call(input, key) && input[key] === IGNORED_INPUT_FIELDS[key],
  );
  if (dropped.length === 0) return json;
  // fromEntries defines properties (a "__proto__" key stays an own key the schema refuses).
  const cleaned = Object.fromEntries(
    Object.entries(input).filter(([key]) => !dropped.includes(key)),
  );
  return { ...json, input: cleaned };
}
