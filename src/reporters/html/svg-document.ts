import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

type PlotOptions = NonNullable<Parameters<typeof Plot.plot>[0]>;

/**
 * Observable Plot renders into a DOM; in Node, linkedom provides one. The result is serialized
 * to static SVG, so the page needs no script and no network to show it.
 */
export function renderPlot(options: PlotOptions): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const element = Plot.plot({ ...options, document: document as unknown as PlotOptions['document'] }) as unknown as { outerHTML: string };
  return element.outerHTML;
}

export { Plot };
