/**
 * The HTML report of the demo stores (a broken IVF store, and the healthy one as a rebuild would
 * report it, with the before/after plot) rendered in real headless Chromium: no console error, no network request, verdict first, and
 * every plot present with marks and visibly non-blank pixels. Screenshots are kept under
 * test-artifacts/reports/ (gitignored) for people to look at.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Report } from '../../src/core/report.js';
import { compareReports } from '../../src/report/compare-reports.js';
import { formatHtml } from '../../src/reporters/html.js';
import { demoIvfStores, reportFor } from './demo-stores.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = new URL('../../test-artifacts/reports/', import.meta.url);
/** Every plot the demo pages must show (the before/after one only on the comparison page). */
const DEMO_PLOTS = ['norm-histogram', 'pca-scree', 'neighbor-overlap', 'k-occurrence', 'ivf-list-sizes', 'recall-curves'];
/** A plot is "drawn" when this share of its pixels differs from the background and it uses several colours. */
const MIN_INK_SHARE = 0.01;
const MIN_COLOURS = 3;

let browser: Browser;
const pages: { name: string; report: Report; plots: string[] }[] = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const { healthy, broken } = await demoIvfStores();
  const healthyReport = await reportFor(healthy);
  const brokenReport = await reportFor(broken);
  pages.push({
    name: 'demo-healthy',
    report: { ...healthyReport, comparison: compareReports(brokenReport, healthyReport, { before: 'before rebuild', after: 'after rebuild' }) },
    plots: [...DEMO_PLOTS, 'before-after'],
  });
  pages.push({ name: 'demo-broken', report: brokenReport, plots: DEMO_PLOTS });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

test('the demo reports render in headless Chromium with the verdict first and every plot drawn', async () => {
  assert.equal(pages.length, 2);
  assert.equal(pages[0]!.report.verdict, 'pass');
  assert.equal(pages[1]!.report.verdict, 'fail');
  for (const { name, report, plots } of pages) {
    const file = new URL(`${name}.html`, ARTIFACTS);
    writeFileSync(file, formatHtml(report));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:') && !request.url().startsWith('data:')) problems.push(`network request: ${request.url()}`);
    });
    await page.goto(pathToFileURL(file.pathname).href, { waitUntil: 'load' });
    await page.screenshot({ path: new URL(`${name}-full.png`, ARTIFACTS).pathname, fullPage: true });

    // Lighthouse order: the verdict is the first thing on the page and says the same as the report.
    const verdict = await page.locator('#verdict').boundingBox();
    assert.ok(verdict && verdict.y < 200, `${name}: verdict not at the top`);
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator.innerText(), the text as rendered, is what is tested
    assert.equal((await page.locator('.gauge').innerText()).trim(), report.verdict.toUpperCase());
    assert.equal(await page.locator('.labels .label strong').count(), report.labels.length);
    assert.equal(await page.locator('details.finding').count(), report.findings.length);

    const shown = await page.locator('figure.plot').evaluateAll((figures) => figures.map((figure) => figure.getAttribute('data-plot')));
    assert.deepEqual(shown, plots, `${name}: plots on the page`);
    for (const plot of plots) await assertPlotDrawn(page, name, plot);
    assert.deepEqual(problems, [], `${name}: ${problems.join('; ')}`);
    await page.close();
  }
});

/** Marks in the SVG, a real size on screen, and a screenshot of the plot area that is not blank. */
async function assertPlotDrawn(page: Page, name: string, plot: string): Promise<void> {
  const body = page.locator(`figure[data-plot="${plot}"] .plot-body`);
  const marks = await body.evaluate((element) => {
    const groups = [...element.querySelectorAll('svg g[aria-label]')].filter((group) => !/axis|tick|grid|label/.test(group.getAttribute('aria-label') ?? ''));
    return groups.reduce((sum, group) => sum + group.querySelectorAll('rect, path, circle, line, text').length, 0);
  });
  assert.ok(marks >= 3, `${name}/${plot}: only ${marks} marks`);
  const box = await body.boundingBox();
  assert.ok(box && box.width > 200 && box.height > 100, `${name}/${plot}: plot area ${JSON.stringify(box)}`);
  const png = await body.screenshot({ path: new URL(`${name}-${plot}.png`, ARTIFACTS).pathname });
  const pixels = await inkOf(page, png);
  assert.ok(pixels.inkShare >= MIN_INK_SHARE && pixels.colours >= MIN_COLOURS, `${name}/${plot}: looks blank (${JSON.stringify(pixels)})`);
}

/** Decode the screenshot in the page itself (the browser is the PNG decoder) and measure what is drawn. */
async function inkOf(page: Page, png: Buffer): Promise<{ inkShare: number; colours: number }> {
  return page.evaluate(
    async (dataUrl) => {
      // This runs in the page: its DOM globals, typed here because the project compiles without lib.dom.
      const { Image, document } = globalThis as unknown as BrowserGlobals;
      const image = new Image();
      image.src = dataUrl;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let ink = 0;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
        if (r < 245 || g < 245 || b < 245) ink++;
        colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
      }
      return { inkShare: ink / (data.length / 4), colours: colours.size };
    },
    `data:image/png;base64,${png.toString('base64')}`,
  );
}

interface BrowserGlobals {
  Image: new () => { src: string; width: number; height: number; decode(): Promise<void> };
  document: {
    createElement(tag: 'canvas'): {
      width: number;
      height: number;
      getContext(kind: '2d'): { drawImage(image: unknown, x: number, y: number): void; getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } } | null;
    };
  };
}
