import { useEffect, useState } from 'react';

const QUERY = '(prefers-reduced-motion: reduce)';

/**
 * Whether the person asked their system for less motion. The cabinet then turns Ant Design's animations off (drawers,
 * dropdowns, the loading icons of buttons appear and leave at once), and follows the setting while the page is open.
 */
export function usePrefersReducedMotion(): boolean {
  const [reduced, setReduced] = useState(() => typeof window.matchMedia === 'function' && window.matchMedia(QUERY).matches);
  useEffect(() => {
    if (typeof window.matchMedia !== 'function') return;
    const media = window.matchMedia(QUERY);
    const follow = () => setReduced(media.matches);
    // Safari before 14 has only the older addListener / removeListener.
    if (typeof media.addEventListener !== 'function') {
      media.addListener(follow);
      return () => media.removeListener(follow);
    }
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, []);
  return reduced;
}
