// How the console writes numbers, times and durations: in the browser's locale and time zone unless a schedule's
// zone is given, ISO-like so that what an operator reads matches the API and the logs.

const number = new Intl.NumberFormat();

export const count = (n) => (n === null || n === undefined ? '–' : number.format(n));

const formats = new Map();
function dateTimeFormat(timeZone) {
  const key = timeZone || '';
  if (!formats.has(key)) {
    formats.set(key, new Intl.DateTimeFormat('sv-SE', {
      timeZone: timeZone || undefined, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
    }));
  }
  return formats.get(key);
}

/** An instant as "2026-12-05 10:12:03", in the given IANA zone or the browser's. */
export function dateTime(iso, timeZone) {
  if (!iso) return '–';
  return dateTimeFormat(timeZone).format(new Date(iso));
}

/** A duration in milliseconds as "850 ms", "12.4 s", "3 min 20 s", "5 h 02 min" or "3 d 4 h". */
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  const negative = ms < 0;
  const abs = Math.abs(ms);
  let text;
  if (abs < 1000) text = `${Math.round(abs)} ms`;
  else if (abs < 60_000) text = `${(abs / 1000).toFixed(abs < 10_000 ? 2 : 1)} s`;
  else if (abs < 3_600_000) text = `${Math.floor(abs / 60_000)} min ${String(Math.floor(abs / 1000) % 60).padStart(2, '0')} s`;
  else if (abs < 86_400_000) text = `${Math.floor(abs / 3_600_000)} h ${String(Math.floor(abs / 60_000) % 60).padStart(2, '0')} min`;
  else text = `${Math.floor(abs / 86_400_000)} d ${Math.floor(abs / 3_600_000) % 24} h`;
  return negative ? `-${text}` : text;
}

/** How far an instant is from now: "in 3 h 05 min", "12.0 s ago". */
export function relative(iso, now = Date.now()) {
  if (!iso) return '';
  const diff = new Date(iso).getTime() - now;
  return diff >= 0 ? `in ${duration(diff)}` : `${duration(-diff)} ago`;
}

/** The time between two instants (a run's start and end), or from the start until now while it goes on. */
export function between(from, to, now = Date.now()) {
  if (!from) return '–';
  return duration((to ? new Date(to).getTime() : now) - new Date(from).getTime());
}
