/** How dates, durations and numbers read in the console (the reviewer's locale and time zone). */
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export function localTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? String(iso) : dateTimeFormat.format(new Date(t));
}

export function duration(ms: number): string {
  const mins = Math.round(ms / 60000);
  if (mins < 60) return `${mins} min`;
  const hours = Math.floor(mins / 60);
  if (hours < 48) return `${hours} h${hours < 10 && mins % 60 ? ` ${mins % 60} min` : ''}`;
  const days = Math.floor(hours / 24);
  return `${days} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

export function dueRelative(iso: string): { text: string; late: boolean } {
  const diff = Date.parse(iso) - Date.now();
  if (Number.isNaN(diff)) return { text: '', late: false };
  return diff >= 0
    ? { text: `in ${duration(diff)}`, late: false }
    : { text: `${duration(-diff)} overdue`, late: true };
}

/** At most two decimals, no trailing zeros. */
export function num(n: number): string {
  return String(Math.round(Number(n) * 100) / 100);
}

/** `REVIEW_OPENED` → `review opened`. */
export function words(code: string | null | undefined): string {
  return String(code ?? '')
    .toLowerCase()
    .replace(/_/g, ' ');
}
