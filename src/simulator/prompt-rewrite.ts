/**
 * A stand-in for DashScope's prompt extension (`prompt_extend`, on by default): the service lets
 * an LLM rewrite the prompt and reports it as `actual_prompt`. The simulator appends one of a
 * few descriptive sentences chosen by a hash of the prompt, so the same prompt always gets the
 * same rewrite and apps can show "what the service actually used".
 */
import { hash32 } from './random.js';

const ADDITIONS = [
  'The camera moves smoothly and steadily, the transition between the two scenes is natural and continuous, soft natural light, rich detail, cinematic quality.',
  'Gentle, fluid motion carries the first scene into the last; the lighting stays consistent, textures are crisp and the colours are true to life.',
  'A slow, stable camera movement links the start and the end of the shot; the subject keeps its shape and details while the background shifts naturally.',
  'Natural movement and realistic physics, balanced composition, clear focus on the subject, warm ambient light and a calm, continuous rhythm.',
] as const;

const WITHOUT_PROMPT =
  'A smooth, natural transition from the first frame to the last frame, with steady camera movement, consistent lighting and rich detail.';

/** The `actual_prompt` the simulator reports for `prompt` (deterministic). */
export function rewritePrompt(prompt: string | undefined): string {
  const text = prompt?.trim() ?? '';
  if (text === '') return WITHOUT_PROMPT;
  const addition = ADDITIONS[hash32(text) % ADDITIONS.length] ?? ADDITIONS[0];
  const joiner = /[.!?。！？]$/.test(text) ? ' ' : '. ';
  return `${text}${joiner}${addition}`;
}
