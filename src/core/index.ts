/**
 * `react-keyframe-video/core`: everything that runs anywhere — schemas, models, errors, frame
 * checks, the client, the task poller and submission persistence. No React, no Node built-ins.
 */
export * from './errors.js';
