// The Docker Engine API over its unix socket, for the questions a build asks before its first container (is the
// engine there, which id has this image, which images carry a label, which containers does a label select). The
// docker CLI answers each in 0.05-0.15 s (a process to start); the socket, in a few milliseconds, which is most of
// a cache hit's time. Used only where the CLI would talk to the same local socket (DOCKER_HOST unset or unix://,
// no DOCKER_CONTEXT); anything else, and any failure to reach the socket, leaves the question to the docker CLI,
// whose messages the errors quote. Containers are still run, and images built, by the CLI (src/docker.ts).

import { existsSync } from 'node:fs';
import { request } from 'node:http';

export interface ImageSummary {
  /** repository:tag names (none for a dangling image). */
  tags: string[];
  labels: Record<string, string>;
}

export interface ContainerSummary {
  name: string;
  labels: Record<string, string>;
}

/** The engine's socket when the docker CLI would use a local unix socket too; undefined otherwise. */
export function localEngineSocket(vars: Readonly<Record<string, string | undefined>>): string | undefined {
  if (vars.DOCKER_CONTEXT) return undefined;
  const host = vars.DOCKER_HOST;
  const socket = !host ? '/var/run/docker.sock' : host.startsWith('unix://') ? host.slice('unix://'.length) : '';
  return socket && existsSync(socket) ? socket : undefined;
}

export class EngineApi {
  constructor(
    readonly socket: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The engine's version (GET /version). */
  async version(): Promise<string> {
    const r = await this.get<{ Version?: string }>('/version');
    if (r.status !== 200 || !r.body?.Version) throw new Error(`GET /version answered ${r.status}`);
    return r.body.Version;
  }

  /** The image's id, labels and layers, or undefined when the engine does not have it (GET /images/{name}/json). */
  async image(image: string): Promise<{ id: string; labels: Record<string, string>; layers: string[] } | undefined> {
    const r = await this.get<{
      Id?: string;
      Config?: { Labels?: Record<string, string> | null };
      RootFS?: { Layers?: string[] | null };
    }>(`/images/${encodeURI(image)}/json`);
    if (r.status === 404) return undefined;
    if (r.status !== 200 || !r.body?.Id) throw new Error(`GET /images/${image}/json answered ${r.status}`);
    return { id: r.body.Id, labels: r.body.Config?.Labels ?? {}, layers: r.body.RootFS?.Layers ?? [] };
  }

  /** The images that carry `label`, with their names and labels (GET /images/json, one call). */
  async imagesWithLabel(label: string): Promise<ImageSummary[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
    const r = await this.get<{ RepoTags?: string[] | null; Labels?: Record<string, string> | null }[]>(
      `/images/json?filters=${filters}`,
    );
    if (r.status !== 200 || !Array.isArray(r.body)) throw new Error(`GET /images/json answered ${r.status}`);
    return r.body.map((i) => ({
      tags: (i.RepoTags ?? []).filter((t) => !t.includes('<none>')),
      labels: i.Labels ?? {},
    }));
  }

  /** Every container (running or not) whose labels match `label` (key=value), with its name and labels. */
  async containersWithLabel(label: string): Promise<ContainerSummary[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
    const r = await this.get<{ Names?: string[]; Labels?: Record<string, string> | null }[]>(
      `/containers/json?all=1&filters=${filters}`,
    );
    if (r.status !== 200 || !Array.isArray(r.body)) throw new Error(`GET /containers/json answered ${r.status}`);
    return r.body.map((c) => ({ name: (c.Names?.[0] ?? '').replace(/^\//, ''), labels: c.Labels ?? {} }));
  }

  private get<T>(path: string): Promise<{ status: number; body: T | undefined }> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socket, path, method: 'GET', timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: T | undefined;
          try {
            body = text ? (JSON.parse(text) as T) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`the Docker engine at ${this.socket} did not answer ${path}`)));
      req.on('error', reject);
      req.end();
    });
  }
}
