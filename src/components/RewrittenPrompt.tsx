/**
 * With prompt rewriting on, the service rewrites the prompt before making the video; this
 * shows the rewritten prompt next to the user's own, so they can see what was really used.
 */
import type { UseKeyframeVideoResult } from '../react/use-keyframe-video.js';
import { useUiMessages } from './use-ui-messages.js';

/** Props of {@link RewrittenPrompt}. */
export interface RewrittenPromptProps {
  keyframeVideo: UseKeyframeVideoResult;
}

/** The user's prompt and the rewritten one, when the service rewrote it; else nothing. */
export function RewrittenPrompt({ keyframeVideo: kfv }: RewrittenPromptProps) {
  const { ui } = useUiMessages();
  const { actualPrompt, origPrompt } = kfv;
  if (actualPrompt === undefined || actualPrompt === '' || actualPrompt === origPrompt) return null;
  return (
    <dl className="kfv-prompts">
      <div className="kfv-prompts__item">
        <dt>{ui.originalPrompt}</dt>
        <dd>{origPrompt ?? ''}</dd>
      </div>
      <div className="kfv-prompts__item">
        <dt>{ui.rewrittenPrompt}</dt>
        <dd>{actualPrompt}</dd>
      </div>
    </dl>
  );
}
