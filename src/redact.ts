// Secret masking for everything that reaches a log, an error message or an artifact. Secrets are registered
// at the edge (cli.ts reads them from the environment) and replaced by "***" wherever text is printed.

const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  // Very short values would mask ordinary words; a secret that short is not worth protecting this way.
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}
