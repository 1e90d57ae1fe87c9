/** Counts Unicode code points, the unit the service's text limits use (an emoji is one). */
export function codePointCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
