/**
 * axe-core on a rendered component, with the real stylesheet loaded: every rule axe runs by
 * default (WCAG A/AA and best practices); the component sits in the page's `<main>`.
 */
import axe from 'axe-core';
import { expect } from 'vitest';

/** Runs axe on `root` and fails with a readable list of violations. */
export async function expectNoAxeViolations(root: Element, label: string): Promise<void> {
  // Colours fade between themes and states: measure them once the fades are over.
  await Promise.all(
    document
      .getAnimations()
      .filter((animation) => animation instanceof CSSTransition)
      .map((animation) => animation.finished.catch(() => undefined)),
  );
  const results = await axe.run(root, { resultTypes: ['violations'] });
  const found = results.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact ?? 'n/a'}): ${violation.nodes
        .map((node) => `${node.target.join(' ')} — ${node.failureSummary ?? ''}`)
        .join(' | ')}`,
  );
  expect(found, `axe violations in ${label}`).toEqual([]);
}

/** Forces the colour theme of the page (`data-theme` on <html>). */
export function setTheme(theme: 'light' | 'dark'): void {
  document.documentElement.dataset.theme = theme;
  document.body.style.background = theme === 'dark' ? '#000000' : '#ffffff';
  document.body.style.color = theme === 'dark' ? '#ffffff' : '#000000';
}
