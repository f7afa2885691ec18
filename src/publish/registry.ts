// The registry `nokmem publish --image-registry` pushes the doctor's image to: the name the user gave, checked by
// the grammar docker itself uses (distribution's reference, via @swimlane/docker-reference), and a preflight that
// fails in the first second with a line that names the registry, the reason and the fix — unreachable, not a
// registry, HTTPS where plain HTTP was said or the other way round, or plain HTTP that dockerd would refuse.

import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { parseFamiliarName } from '@swimlane/docker-reference';
import { InputError, UsageError } from '../errors.js';
import type { Runner } from '../runner.js';

export const DOCTOR_REPOSITORY = 'nokmem-doctor';

export interface ImageTarget {
  /** The registry host as docker names it, with its port: 127.0.0.1:5000, registry.example.com. */
  host: string;
  /** The repository in that registry: team/nokmem-doctor. */
  repository: string;
  tag: string;
  /** host/repository:tag, what is pushed. */
  reference: string;
  /** host/repository, to which @sha256:… is added to pull by digest. */
  name: string;
}

const EXAMPLE = 'e.g. registry.example.com:5000/nokmem';

/** `<registry>/nokmem-doctor:<version>`, or a UsageError naming what is wrong with `registry`. */
export function imageTarget(registry: string, tag: string): ImageTarget {
  const given = `--image-registry ${JSON.stringify(registry)}`;
  const trimmed = registry.replace(/\/+$/, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed))
    throw new UsageError(
      `${given} has a scheme; give host[:port][/path] without it, ${EXAMPLE} (add --plain-http for a registry without TLS)`,
    );
  let parsed: { domain?: string; repository?: string };
  try {
    parsed = parseFamiliarName(`${trimmed}/${DOCTOR_REPOSITORY}:${tag}`);
  } catch (error) {
    throw new UsageError(
      `${given} is not host[:port][/path] (${error instanceof Error ? error.message : String(error)}); give lowercase path components, ${EXAMPLE}`,
      { cause: error },
    );
  }
  const domain = parsed.domain ?? 'docker.io';
  const repository = parsed.repository ?? DOCTOR_REPOSITORY;
  // docker reads a first component without '.' or ':' (and not localhost) as a Docker Hub namespace: a push meant
  // for a private registry would go to the public one.
  if (domain === 'docker.io' && !/^(docker\.io|index\.docker\.io)\//.test(`${trimmed}/`))
    throw new UsageError(
      `${given} names no registry host: docker would push it to Docker Hub as ${repository}; give host[:port][/path], ${EXAMPLE} (docker.io/<namespace> for Docker Hub)`,
    );
  const port = /:(\d+)$/.exec(domain)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
    throw new UsageError(`${given} has port ${port}, outside 1-65535; give host[:port][/path], ${EXAMPLE}`);
  const name = `${domain}/${repository}`;
  return { host: domain, repository, tag, reference: `${name}:${tag}`, name };
}

/** docker's own name for Docker Hub's registry endpoint. */
function endpointHost(host: string): string {
  return host === 'docker.io' ? 'registry-1.docker.io' : host;
}

interface ProbeAnswer {
  status: number;
}

/**
 * GET /v2/ without credentials: which protocol the registry speaks and whether it is one. The certificate is not
 * checked here (dockerd checks it on push, with its own trust: /etc/docker/certs.d), and nothing secret is sent.
 */
function getV2(host: string, plainHttp: boolean, timeoutMs: number): Promise<ProbeAnswer> {
  const url = `${plainHttp ? 'http' : 'https'}://${endpointHost(host)}/v2/`;
  return new Promise((resolve, reject) => {
    const request = (plainHttp ? http : https).get(
      url,
      { timeout: timeoutMs, agent: false, ...(plainHttp ? {} : { rejectUnauthorized: false }) },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer in ${timeoutMs / 1000}s`)));
    request.on('error', reject);
  });
}

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

/** 401: the registry wants credentials; docker's login (or NOKMEM_REGISTRY_*) gives them on push. */
const isRegistryAnswer = (status: number) => status === 200 || status === 401;

/** Is there a v2 registry at `host`, speaking the protocol the user said? Throws a one-line InputError if not. */
export async function probeRegistry(host: string, plainHttp: boolean, timeoutMs = 10_000): Promise<void> {
  let answer: ProbeAnswer;
  try {
    answer = await getV2(host, plainHttp, timeoutMs);
  } catch (error) {
    // A TLS failure may be a plain-HTTP registry: ask it so, to say which it is rather than how TLS failed.
    const plain = plainHttp ? undefined : await getV2(host, true, timeoutMs).catch(() => undefined);
    if (plain && isRegistryAnswer(plain.status))
      throw new InputError(
        `registry ${host} answers plain HTTP, not HTTPS; if that is meant, say so with --plain-http`,
        1,
        { cause: error },
      );
    throw new InputError(
      `registry ${host} is not reachable (${reasonOf(error).split('\n')[0]}); check the host and port of --image-registry and that the registry runs`,
      1,
      { cause: error },
    );
  }
  if (isRegistryAnswer(answer.status)) return;
  if (plainHttp && answer.status === 400)
    throw new InputError(
      `registry ${host} answers HTTPS, not plain HTTP (HTTP 400 to a plain request); drop --plain-http`,
    );
  throw new InputError(
    `${host} is not a Docker registry: GET /v2/ answered HTTP ${answer.status}; check --image-registry`,
  );
}

interface RegistryConfig {
  IndexConfigs?: Record<string, { Secure?: boolean }>;
  InsecureRegistryCIDRs?: string[];
}

/**
 * Whether dockerd would talk plain HTTP to `host`, by its own rule (isSecureIndex in docker's registry package):
 * a host listed in insecure-registries, or one whose address lies in an insecure CIDR (127.0.0.0/8 by default).
 */
export async function dockerAllowsPlainHttp(runner: Runner, host: string): Promise<boolean> {
  const r = await runner.run('docker', ['info', '--format', '{{json .RegistryConfig}}'], {
    purpose: "read dockerd's registry configuration",
  });
  const config = JSON.parse(r.stdout) as RegistryConfig;
  const listed = config.IndexConfigs?.[host];
  if (listed) return listed.Secure === false;
  const hostname = host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const addresses = isIP(hostname)
    ? [{ address: hostname, family: isIP(hostname) }]
    : await lookup(hostname, { all: true }).catch(() => []);
  const insecure = new BlockList();
  for (const cidr of config.InsecureRegistryCIDRs ?? []) {
    const [network, prefix] = cidr.split('/');
    insecure.addSubnet(network!, Number(prefix), isIP(network!) === 6 ? 'ipv6' : 'ipv4');
  }
  return addresses.some((a) => insecure.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4'));
}
