/**
 * `react-keyframe-video/core`: everything that runs anywhere — schemas, models, errors, frame
 * checks, the client, the task poller and submission persistence. No React, no Node built-ins.
 */
export * from './errors.js';
export * from './schemas.js';
export * from './models.js';
export * from './client.js';
export * from './clock.js';
export * from './schedule.js';
export * from './poller.js';
export * from './persistence.js';
export * from './frames.js';
export * from './prepare-frame.js';
export * from './cross-tab-poll.js';
