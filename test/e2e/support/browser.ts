// Debian's Chromium as every browser journey drives it: one set of launch flags, one kind of tab, and one record of a
// failed step.
//
// Tabs ask for reduced motion (the cabinet then turns Ant Design's animations off, as it does for a person who asked
// their system for less motion). Why: an antd element that leaves with a CSS transition stays in the DOM until
// `transitionend`, and on a starved CI machine that event can be missed. A button's finished loading icon then stays,
// 0 px wide and invisible, with its aria-label, so the button's accessible name becomes «loading Подписать и войти» and
// a lookup by its real name waits out its timeout while the screenshot shows the button plainly.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestContext } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
/** In CI a missing Chromium fails the journeys instead of skipping them (.ci/run installs it). */
export const CAN_RUN_CHROMIUM = existsSync(CHROMIUM) || process.env.CI !== undefined;

const LAUNCH_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_FLAGS });
}

export interface TabOptions {
  baseURL: string;
  viewport?: { width: number; height: number };
  /** Playwright's wait for one step; a step takes well under a second on a quiet machine. */
  stepTimeoutMs?: number;
}

/** The last lines the page logged (a line repeated back to back counted, not kept again), for the failure record. */
const consoleLines = new WeakMap<Page, Array<{ text: string; times: number }>>();

/** A Russian-locale browser context with reduced motion, and its first page. */
export async function openBrowserTab(browser: Browser, options: TabOptions): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 900 },
    locale: 'ru-RU',
    baseURL: options.baseURL,
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  watchConsole(page);
  page.setDefaultTimeout(options.stepTimeoutMs ?? 30_000);
  return { context, page };
}

/** Keeps the last 40 console messages and page errors of a page (for pages a test opens itself). */
export function watchConsole(page: Page): void {
  const lines: Array<{ text: string; times: number }> = [];
  consoleLines.set(page, lines);
  const keep = (text: string) => {
    // A warning repeated on every render would fill the record: count repeats of the last line instead.
    const last = lines.at(-1);
    if (last?.text === text) return void last.times++;
    lines.push({ text, times: 1 });
    if (lines.length > 40) lines.shift();
  };
  page.on('console', (m) => keep(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => keep(`[pageerror] ${e.message}`));
}

/**
 * When the test fails: a full-page screenshot, the page's accessibility tree (what getByRole sees: names, states,
 * hidden elements left out), its URL and its last console lines, under `dir` named after the test. The tree answers
 * what a screenshot cannot: why a button in plain view was not found by its role and name.
 */
export function keepFailureRecord(ctx: TestContext, page: () => Page | undefined, dir: string, prefix = ''): void {
  ctx.onTestFailed(async () => {
    const p = page();
    if (!p || p.isClosed()) return;
    mkdirSync(dir, { recursive: true });
    const name = `${prefix}${ctx.task.name.replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 80)}`;
    await p.screenshot({ path: `${dir}/${name}.png`, fullPage: true }).catch(() => {});
    const tree = await p.locator('body').ariaSnapshot({ timeout: 5_000 }).catch((e: Error) => `(no accessibility tree: ${e.message})`);
    const record = [`url: ${p.url()}`, '', 'accessibility tree:', tree, '', 'console:', ...(consoleLines.get(p)?.map((l) => (l.times > 1 ? `${l.text} (×${l.times})` : l.text)) ?? ['(not watched)'])].join('\n');
    writeFileSync(`${dir}/${name}.txt`, `${record}\n`);
    // CI keeps only the log: print the record there too.
    process.stderr.write(`\n--- browser state at the failure of «${ctx.task.name}»\n${record}\n---\n`);
  });
}
