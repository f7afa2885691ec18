// A real Kubernetes API server for tests and benchmarks: Debian's etcd 3.4 and the kube-apiserver v1.20.2 that
// scripts/build-kube-apiserver.sh built once from Debian's kubernetes tree (never built here), both on loopback
// ports chosen free, with certificates made for this start (openssl), an admin authenticated by client
// certificate (group system:masters), ServiceAccount tokens minted by the TokenRequest API, and the RBAC
// authorizer on. Start it once per test file; stop() ends both processes and removes everything it made.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type ResultPromise, execa } from 'execa';
import { stringify } from 'yaml';
import { makeCertificates } from './apiserver-certs.ts';

const BIN_DIR = process.env.NOKMEM_TEST_BIN_DIR ?? '/var/cache/nokmem/bin';
export const KUBE_APISERVER = process.env.NOKMEM_TEST_KUBE_APISERVER ?? path.join(BIN_DIR, 'kube-apiserver-v1.20.2');
/** Debian's kubernetes-client 1.20, unpacked by setup.sh beside the machine's own kubectl (if any). */
export const KUBECTL = process.env.NOKMEM_TEST_KUBECTL ?? path.join(BIN_DIR, 'kubectl-v1.20.2');
export const ETCD = process.env.NOKMEM_TEST_ETCD ?? '/usr/bin/etcd';

export interface ApiServer {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** A kubeconfig for the admin (system:masters), context `nokmem-test`. */
  readonly kubeconfig: string;
  /** The directory holding certificates, kubeconfigs, logs and (unless on /dev/shm) etcd's data. */
  readonly dir: string;
  /** Process ids of kube-apiserver and etcd (a benchmark reads their CPU time in /proc). */
  readonly pids: { apiserver: number; etcd: number };
  /** kubectl 1.20 as the admin (or as `kubeconfig`); never rejects: check exitCode. */
  kubectl(args: string[], options?: { kubeconfig?: string; input?: string }): Promise<KubectlResult>;
  /** A ServiceAccount (made if missing) and a kubeconfig with a token for it, as its pod would have. */
  serviceAccount(namespace: string, name: string): Promise<{ token: string; kubeconfig: string }>;
  /** The API server's own Prometheus metrics (text format). */
  metrics(): Promise<string>;
  /** A kubeconfig that reaches this server at another URL (a proxy in front of it), with the same credentials. */
  kubeconfigVia(url: string, from?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface KubectlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const CONTEXT = 'nokmem-test';
const AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

export async function startApiServer(options: { name?: string } = {}): Promise<ApiServer> {
  for (const [what, file] of [
    ['kube-apiserver v1.20.2', KUBE_APISERVER],
    ['kubectl v1.20.2', KUBECTL],
    ['etcd', ETCD],
  ] as const)
    if (!existsSync(file)) throw new Error(`${what} is missing (${file}): run \`sudo bash scripts/setup.sh\``);
  const dir = await mkdtemp(path.join(os.tmpdir(), `nokmem-apiserver-${options.name ?? 'test'}-`));
  // etcd's fsyncs cost seconds per thousand writes on a disk; on tmpfs they are free
  const dataRoot = existsSync('/dev/shm') ? '/dev/shm' : dir;
  const etcdData = await mkdtemp(path.join(dataRoot, 'nokmem-etcd-'));
  const processes: ResultPromise[] = [];
  const stop = async () => {
    for (const p of processes.reverse()) await end(p);
    await rm(etcdData, { recursive: true, force: true });
    if (!process.env.NOKMEM_KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
  };
  try {
    const [etcdPort, peerPort, apiPort] = await freePorts(3);
    const certs = await makeCertificates(dir);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = execa(
      ETCD,
      [
        '--name=nokmem-test',
        `--data-dir=${etcdData}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=nokmem-test=http://127.0.0.1:${peerPort}`,
        '--logger=zap',
        '--log-level=warn',
      ],
      { cleanup: true, reject: false, stdout: 'ignore', stderr: { file: path.join(dir, 'etcd.log') } },
    );
    processes.push(etcd);
    const url = `https://127.0.0.1:${apiPort}`;
    const apiserver = execa(
      KUBE_APISERVER,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        // 1.20 also serves plain HTTP on 127.0.0.1:8080 unless told not to
        '--insecure-port=0',
        `--cert-dir=${dir}`,
        `--tls-cert-file=${certs.serverCert}`,
        `--tls-private-key-file=${certs.serverKey}`,
        `--client-ca-file=${certs.caCert}`,
        '--authorization-mode=Node,RBAC',
        `--service-account-issuer=${AUDIENCE}`,
        `--api-audiences=${AUDIENCE}`,
        `--service-account-signing-key-file=${certs.serviceAccountKey}`,
        `--service-account-key-file=${certs.serviceAccountPub}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--endpoint-reconciler-type=none',
        '--allow-privileged=true',
        '--profiling=false',
        '--logtostderr=true',
        '--v=0',
      ],
      { cleanup: true, reject: false, stdout: 'ignore', stderr: { file: path.join(dir, 'kube-apiserver.log') } },
    );
    processes.push(apiserver);
    const server = { url, caCert: certs.caCert, clientCert: certs.adminCert, clientKey: certs.adminKey };
    await waitReady(server, [etcd, apiserver], dir);
    const kubeconfig = path.join(dir, 'admin.kubeconfig');
    await writeKubeconfig(kubeconfig, url, await readFile(certs.caCert), {
      'client-certificate-data': (await readFile(certs.adminCert)).toString('base64'),
      'client-key-data': (await readFile(certs.adminKey)).toString('base64'),
    });
    const kubectl = async (args: string[], o: { kubeconfig?: string; input?: string } = {}) => {
      const r = await execa(KUBECTL, ['--kubeconfig', o.kubeconfig ?? kubeconfig, ...args], {
        reject: false,
        input: o.input,
        env: { HOME: dir },
      });
      return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
    };
    const must = async (args: string[], input?: string) => {
      const r = await kubectl(args, { input });
      if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
      return r.stdout;
    };
    return {
      url,
      kubeconfig,
      dir,
      pids: { apiserver: apiserver.pid ?? 0, etcd: etcd.pid ?? 0 },
      kubectl,
      async serviceAccount(namespace, name) {
        if ((await kubectl(['get', 'namespace', namespace])).exitCode !== 0)
          await must(['create', 'namespace', namespace]);
        if ((await kubectl(['-n', namespace, 'get', 'serviceaccount', name])).exitCode !== 0)
          await must(['-n', namespace, 'create', 'serviceaccount', name]);
        // no controller-manager here, so no token Secret: a bound token, as the kubelet gets for a pod
        const tokenRequest = JSON.stringify({
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { audiences: [AUDIENCE], expirationSeconds: 86400 },
        });
        const answer = await must(
          ['create', '--raw', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, '-f', '-'],
          tokenRequest,
        );
        const token = (JSON.parse(answer) as { status: { token: string } }).status.token;
        const file = path.join(dir, `sa-${namespace}-${name}.kubeconfig`);
        await writeKubeconfig(file, url, await readFile(certs.caCert), { token });
        return { token, kubeconfig: file };
      },
      metrics: () => must(['get', '--raw', '/metrics']),
      async kubeconfigVia(proxyUrl, from = kubeconfig) {
        const file = path.join(dir, `via-${randomBytes(4).toString('hex')}.kubeconfig`);
        await writeFile(file, (await readFile(from, 'utf8')).replaceAll(url, proxyUrl));
        return file;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function writeKubeconfig(file: string, url: string, ca: Buffer, user: Record<string, string>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT, cluster: { server: url, 'certificate-authority-data': ca.toString('base64') } }],
    users: [{ name: CONTEXT, user }],
    contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: CONTEXT } }],
    'current-context': CONTEXT,
  };
  await writeFile(file, stringify(config), { mode: 0o600 });
}

/** Ports free on 127.0.0.1 now (the kernel's choice; held together so they differ). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    if (!a || typeof a === 'string') throw new Error('no port');
    return a.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

interface ServerAccess {
  url: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
}

/** Until /readyz answers ok (etcd reached, RBAC's bootstrap roles made) and the default namespace exists. */
async function waitReady(server: ServerAccess, processes: ResultPromise[], dir: string): Promise<void> {
  const [ca, cert, key] = await Promise.all(
    [server.caCert, server.clientCert, server.clientKey].map((f) => readFile(f)),
  );
  const get = (pathname: string) =>
    new Promise<number>((resolve) => {
      const req = request(`${server.url}${pathname}`, { ca, cert, key, timeout: 2000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  const deadline = Date.now() + 60_000;
  let exited = false;
  for (const p of processes) void p.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    if ((await get('/readyz')) === 200 && (await get('/api/v1/namespaces/default')) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const logs = await Promise.all(
    ['etcd.log', 'kube-apiserver.log'].map(async (f) =>
      (await readFile(path.join(dir, f), 'utf8').catch(() => '')).split('\n').slice(-15).join('\n'),
    ),
  );
  throw new Error(
    `the test API server did not become ready (${exited ? 'a process exited' : 'timeout'}):\n${logs.join('\n')}`,
  );
}

async function end(p: ResultPromise): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await p;
  clearTimeout(timer);
}
