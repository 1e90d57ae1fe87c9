/**
 * The estimated cost of the video as chosen, from the model table's price data (which an app
 * overrides by passing its own table to the provider). Apps may reword it or hide it.
 */
import type { ReactNode } from 'react';
import type { CostEstimate } from '../core/index.js';
import { useUiMessages } from './use-ui-messages.js';

/** How the cost line is shown: `false` hides it; a function renders it. */
export type CostDisplay = false | ((estimate: CostEstimate | undefined) => ReactNode);

/** Props of {@link CostLine}. */
export interface CostLineProps {
  estimate: CostEstimate | undefined;
  display?: CostDisplay | undefined;
}

/** "Estimated cost: CN¥1.00 for 5 s at 720P." */
export function CostLine({ estimate, display }: CostLineProps) {
  const { ui } = useUiMessages();
  if (display === false) return null;
  const content =
    display !== undefined
      ? display(estimate)
      : estimate
        ? ui.estimatedCost(estimate, ui.locale)
        : ui.costUnknown;
  return <p className="kfv-studio__cost">{content}</p>;
}
