// The API server's own Prometheus metrics, read by the tests and the benchmark: samples of a metric with their
// labels, and the sum of those matching some labels.

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export function samples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{\s]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

export function sum(text: string, name: string, match: Record<string, string>): number {
  return samples(text, name)
    .filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

/** Requests by "VERB resource[/subresource] code", from apiserver_request_total, for one resource. */
export function requestsOf(text: string, resource: string): Map<string, number> {
  const byKind = new Map<string, number>();
  for (const s of samples(text, 'apiserver_request_total')) {
    if (s.labels.resource !== resource) continue;
    const key = `${s.labels.verb} ${resource}${s.labels.subresource ? `/${s.labels.subresource}` : ''} ${s.labels.code}`;
    byKind.set(key, (byKind.get(key) ?? 0) + s.value);
  }
  return byKind;
}

export function difference(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const d = new Map<string, number>();
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) > 0) d.set(k, v - (before.get(k) ?? 0));
  return d;
}
