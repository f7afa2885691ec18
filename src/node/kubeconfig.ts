// Which kubeconfig a command reads, as kubectl picks it: --kubeconfig, else KUBECONFIG (a list of files), else
// ~/.kube/config; said in every error about it. Plain data, so that a command knows it before (or without) the
// Kubernetes client library loads.

import path from 'node:path';

export interface KubeconfigSource {
  files: string[];
  /** "--kubeconfig", "KUBECONFIG" or "~/.kube/config (default)" */
  origin: string;
  context?: string;
}

export function kubeconfigSource(
  option: string | undefined,
  envValue: string | undefined,
  home: string,
  context?: string,
): KubeconfigSource {
  if (option) return { files: [path.resolve(option)], origin: '--kubeconfig', context };
  const fromEnv = (envValue ?? '').split(path.delimiter).filter(Boolean);
  if (fromEnv.length > 0) return { files: fromEnv.map((f) => path.resolve(f)), origin: 'KUBECONFIG', context };
  return { files: [path.join(home, '.kube', 'config')], origin: '~/.kube/config (default)', context };
}
