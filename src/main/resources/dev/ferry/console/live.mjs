// What the console shows stays current without a reload: each view polls the API while the page is visible.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** How often a view reads the API again (milliseconds). */
export const POLL_INTERVAL = 2000;

/**
 * Loads what `load` returns now, then again every POLL_INTERVAL while the page is visible and at once when it
 * becomes visible again. `refresh()` loads at once (after an action). An answer that arrives after a newer one
 * started is dropped; the last data stay shown while an error is.
 */
export function usePoll(load, deps) {
  const [state, setState] = useState({ data: undefined, error: null });
  const latest = useRef(0);
  const inFlight = useRef(false);
  const refresh = useCallback(async () => {
    const mine = ++latest.current;
    inFlight.current = true;
    try {
      const data = await load();
      if (mine === latest.current) setState({ data, error: null });
    } catch (error) {
      if (mine === latest.current) setState((s) => ({ data: s.data, error }));
    } finally {
      if (mine === latest.current) inFlight.current = false;
    }
  }, deps);
  useEffect(() => {
    setState({ data: undefined, error: null });
    refresh();
    const tick = () => {
      if (!document.hidden && !inFlight.current) refresh();
    };
    const timer = setInterval(tick, POLL_INTERVAL);
    document.addEventListener('visibilitychange', tick);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
      latest.current++;
      inFlight.current = false;
    };
  }, [refresh]);
  return { ...state, refresh };
}
