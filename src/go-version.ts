// Go versions as the toolchain rule reads them: "go1.15.15", "1.15" and `go version` output alike.

/** "go1.15.15" / "1.15" / "go version go1.19.8 linux/amd64" -> [1, 15, 15] (missing parts are 0). */
export function goParts(text: string): [number, number, number] | undefined {
  const m = /(?:^|go)(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function compareGo(a: string, b: string): number {
  const x = goParts(a);
  const y = goParts(b);
  if (!x || !y) throw new Error(`not a Go version: ${!x ? a : b}`);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]! < 0 ? -1 : 1;
  return 0;
}

export const goMinor = (v: string) => goParts(v)!.slice(0, 2).join('.');

/**
 * kubernetes 1.8.0-1.8.8 and 1.9.0-1.9.3 check the Go version with `[[ "${go_version[2]}" < "${minimum}" ]]`: a
 * string comparison, so "go1.15.15" is older than "go1.9.1". True when that check refuses `go`.
 */
export const lexicallyOlder = (go: string, minimum: string) => `go${go}` < `go${minimum}`;

/** The first Go minor above the minimum's that a string comparison reads as older than it ("1.10" for 1.9.1). */
export function lexicalCeiling(minimum: string): string | undefined {
  const [major, minor] = goParts(minimum)!;
  for (let m = minor + 1; m < 100; m++) if (lexicallyOlder(`${major}.${m}`, minimum)) return `${major}.${m}`;
  return undefined;
}
