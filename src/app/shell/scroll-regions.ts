/**
 * A box that scrolls (a wide table on a phone) must be reachable by keyboard, or its hidden part cannot be read
 * without a mouse (axe: scrollable-region-focusable). While one of the app's scroll containers actually overflows,
 * it becomes a named, focusable region (Tab stops on it, the arrow keys scroll it); when it fits again it is a plain
 * box, so wide screens get no extra Tab stops. One watcher for the whole app, batched per frame.
 */

/** The scroll containers the components lay out (overflow: auto). */
const SCROLLERS = '.table-wrap, .split-table-wrap, .confusion-wrap, .samples, .scroll';
const MARK = 'data-scroll-region';

/** "<panel heading> (scrolls)", from the nearest panel's heading. */
function labelOf(el: HTMLElement): string {
  const heading = el.closest('.panel')?.querySelector('h2, h3')?.textContent?.replace(/\s+/g, ' ').trim();
  return `${heading || 'table'} (scrolls)`;
}

function overflows(el: HTMLElement): boolean {
  return el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
}

function update(root: HTMLElement): void {
  for (const el of root.querySelectorAll<HTMLElement>(SCROLLERS)) {
    const marked = el.hasAttribute(MARK);
    if (overflows(el)) {
      if (marked || el.hasAttribute('tabindex')) continue;
      el.setAttribute(MARK, '');
      el.tabIndex = 0;
      el.setAttribute('role', 'region');
      el.setAttribute('aria-label', labelOf(el));
    } else if (marked) {
      for (const a of [MARK, 'tabindex', 'role', 'aria-label']) el.removeAttribute(a);
    }
  }
}

/** Keeps `root`'s scroll containers keyboard-reachable while they overflow; returns the cleanup. */
export function keepScrollRegionsFocusable(root: HTMLElement): () => void {
  let frame = 0;
  const schedule = (): void => {
    if (frame === 0) frame = requestAnimationFrame(() => { frame = 0; update(root); });
  };
  const mutations = new MutationObserver(schedule);
  mutations.observe(root, { childList: true, subtree: true });
  addEventListener('resize', schedule);
  schedule();
  return () => {
    mutations.disconnect();
    removeEventListener('resize', schedule);
    cancelAnimationFrame(frame);
  };
}
