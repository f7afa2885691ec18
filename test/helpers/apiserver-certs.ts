// The certificates of one test API server, made with openssl (3.x, Debian's) for this start only: a CA, the
// serving certificate for 127.0.0.1, the admin's client certificate (group system:masters, which RBAC lets do
// everything) and the ServiceAccount token signing key pair. P-256 keys: made in milliseconds, valid two days.

import path from 'node:path';
import { execa } from 'execa';

export interface Certificates {
  caCert: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function makeCertificates(dir: string): Promise<Certificates> {
  const f = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => execa('openssl', args, { cwd: dir });
  await openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=nokmem-test-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const signed = (name: string, subject: string, extensions: string[]) =>
    openssl([
      'req',
      '-x509',
      ...EC,
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.crt`),
      '-days',
      '2',
      '-subj',
      subject,
      ...extensions.flatMap((e) => ['-addext', e]),
    ]);
  await Promise.all([
    signed('server', '/CN=kube-apiserver', [
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc',
      'extendedKeyUsage=serverAuth',
      'basicConstraints=CA:FALSE',
    ]),
    signed('admin', '/O=system:masters/CN=nokmem-admin', ['extendedKeyUsage=clientAuth', 'basicConstraints=CA:FALSE']),
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f('sa.key')]),
  ]);
  await openssl(['pkey', '-in', f('sa.key'), '-pubout', '-out', f('sa.pub')]);
  return {
    caCert: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    adminCert: f('admin.crt'),
    adminKey: f('admin.key'),
    serviceAccountKey: f('sa.key'),
    serviceAccountPub: f('sa.pub'),
  };
}
