// Every story: the library's stylesheet, MSW started once (stories add their handlers in
// `beforeEach({ msw })`), accessibility violations fail the story's test, and so does any
// `console.error` while the story renders and plays.
import type { Preview } from '@storybook/react-vite';
import { mswLoader } from 'msw-storybook-addon/csf3';
import '../src/styles.css';

let consoleErrors: string[] = [];

const preview: Preview = {
  loaders: [mswLoader()],
  beforeEach() {
    consoleErrors = [];
    const original = console.error;
    console.error = (...args: unknown[]) => {
      consoleErrors.push(args.map(String).join(' '));
      original(...args);
    };
    return () => {
      console.error = original;
    };
  },
  afterEach() {
    if (consoleErrors.length > 0) {
      throw new Error(`The story logged errors:\n${consoleErrors.join('\n')}`);
    }
  },
  parameters: {
    a11y: { test: 'error' },
    controls: { expanded: true },
    layout: 'padded',
  },
};

export default preview;
