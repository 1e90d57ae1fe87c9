/** Joins class names, skipping empty ones: `classNames('kfv-root', className)`. */
export function classNames(...names: readonly (string | false | null | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}
