/** Calendar arithmetic on ISO dates (YYYY-MM-DD), always in UTC so results never depend on the host's zone. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

/** Today's date in UTC for a clock reading. */
export function toIsoDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function addHours(isoTimestamp: string, hours: number): string {
  return new Date(Date.parse(isoTimestamp) + hours * 3_600_000).toISOString();
}

export function minDate(a: string, b: string): string {
  return a <= b ? a : b;
}
