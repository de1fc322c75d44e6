/**
 * The page's frame: the main region each view renders into, the live region, and which render is
 * current (a view's late answers check it, so a slow request never paints over the next view).
 */
import { byId, type Child, fill } from './dom.js';

export const main = byId('main');
const live = byId('live');
let renderId = 0;
let cleanups: (() => void)[] = [];

/** Tells screen readers (the polite live region). */
export function announce(message: string): void {
  live.textContent = '';
  window.setTimeout(() => {
    live.textContent = message;
  }, 50);
}

/** Ends the current view (its timers) without rendering another. */
export function leaveView(): void {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
}

/** Runs when the current view is replaced (e.g. stops its refresh timer). */
export function onLeave(cleanup: () => void): void {
  cleanups.push(cleanup);
}

/** Shows a new view; returns a check that is true while it is still the one shown. */
export function view(nodes: Child[], focusHeading: boolean): () => boolean {
  leaveView();
  renderId += 1;
  const id = renderId;
  fill(main, ...nodes);
  const h1 = main.querySelector('h1');
  if (h1) {
    h1.setAttribute('tabindex', '-1');
    if (focusHeading) h1.focus({ preventScroll: false });
  }
  window.scrollTo(0, 0);
  return () => renderId === id;
}
