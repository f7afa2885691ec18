// rpm's version comparison (rpmvercmp): ordering package releases (0 < 0.nokmem.1 < 1 < 150500.1.1) and EL
// kernel releases (3.10.0-957 < 3.10.0-1062.4.1).

/** rpm's version comparison (rpmvercmp), enough for releases like 0, 0.nokmem.1, 150500.1.1. */
export function rpmvercmp(a: string, b: string): number {
  const seg = (s: string) => s.match(/\d+|[A-Za-z]+|~/g) ?? [];
  const x = seg(a);
  const y = seg(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === '~' || q === '~') {
      if (p !== q) return p === '~' ? -1 : 1;
      continue;
    }
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d/.test(p);
    const qn = /^\d/.test(q);
    if (pn !== qn) return pn ? 1 : -1;
    const d = pn ? Number(p) - Number(q) : p < q ? -1 : p > q ? 1 : 0;
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}
