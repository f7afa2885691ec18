// GitHub's published OpenAPI description (@octokit/openapi) as a contract for the stand-ins of its API: the operation
// a request is for, and whether a request or a response matches the schemas GitHub declares for it.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

export type Json = Record<string, unknown>;
const require = createRequire(import.meta.url);
const SPEC_FILE = require.resolve('@octokit/openapi/generated/api.github.com.json');

/** OpenAPI 3.0 schema -> JSON Schema for Ajv: nullable becomes a null alternative, refs point into "gh". */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace(/^#/, 'gh#');
    else if (k !== 'nullable' && k !== 'example' && k !== 'examples' && k !== 'discriminator' && !k.startsWith('x-'))
      out[k] = toJsonSchema(v);
  }
  if ((node as Json).nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  return out;
}

export class OpenApiContract {
  private readonly ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false });
  private readonly cache = new Map<string, ValidateFunction>();
  readonly violations: string[] = [];

  private constructor(private readonly spec: { paths: Record<string, Record<string, Json>>; components: Json }) {
    this.ajv.addSchema({ $id: 'gh', components: toJsonSchema(spec.components) as Json });
  }

  static async load(): Promise<OpenApiContract> {
    return new OpenApiContract(JSON.parse(await readFile(SPEC_FILE, 'utf8')));
  }

  /** The operation and path parameters for a request path (without query). */
  operation(
    method: string,
    pathname: string,
  ): { template: string; op: Json; params: Record<string, string> } | undefined {
    for (const [template, item] of Object.entries(this.spec.paths)) {
      const names: string[] = [];
      const re = new RegExp(`^${template.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), '([^/]+)'))}$`);
      const m = re.exec(pathname);
      const op = item[method.toLowerCase()];
      if (m && op)
        return { template, op, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
    }
    return undefined;
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let v = this.cache.get(key);
    if (!v) {
      v = this.ajv.compile(toJsonSchema(schema) as Json);
      this.cache.set(key, v);
    }
    return v;
  }

  check(where: string, schema: unknown, value: unknown): void {
    const v = this.validator(where, schema);
    if (!v(value)) this.violations.push(`${where}: ${this.ajv.errorsText(v.errors)}`);
  }

  resolve(node: Json): Json {
    const ref = node.$ref;
    if (typeof ref !== 'string') return node;
    return ref
      .slice(2)
      .split('/')
      .reduce<Json>((n, k) => n[k] as Json, this.spec as unknown as Json);
  }
}
