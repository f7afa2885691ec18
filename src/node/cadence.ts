// How often the agent looks and confirms, when a report is stale, and durations as people write them. Imports
// nothing: the agent's and the fleet's --help show these defaults.

/**
 * The agent's cadence, and the reader's patience that follows from it: the doctor every 5 minutes, an unchanged
 * report confirmed every 10 (one small patch of nodes/status), and a report not confirmed for 20 minutes is stale —
 * one failed heartbeat, tried again at the next look, does not make a node stale; a dead agent shows within 20.
 */
export const CADENCE = { periodSeconds: 300, heartbeatSeconds: 600, staleAfterSeconds: 1200 } as const;

/** 42s, 14m, 5h, 3d: the age as kubectl prints it. */
export function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** "15m", "90s", "2h" → seconds; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
}
