// Where the Go that builds a binary behaves unlike the Go upstream released it with (specs/toolchains.yaml
// `behaviour`): a kubelet 1.12 built with Go 1.15 ignores the CommonName of server certificates that Go 1.10
// accepted. Such a difference is recorded in the build record and the package description, and where the chosen
// Go still honours a GODEBUG setting that restores upstream's behaviour, the kubelet package sets it.

import * as z from 'zod';
import { compareGo, goMinor } from './go-version.js';

const goVersion = z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'a Go version like 1.15 or 1.15.15');

export const BehaviourChange = z
  .object({
    /** The Go minor that changed the behaviour. */
    from: goVersion,
    components: z.array(z.enum(['runc', 'kubelet'])).min(1),
    change: z.string(),
    /** The GODEBUG setting that restores the old behaviour, and the first Go minor that no longer honours it. */
    godebug: z
      .string()
      .regex(/^\w+=\w+$/, 'a GODEBUG setting like x509ignoreCN=0')
      .optional(),
    godebugUntil: goVersion.optional(),
  })
  .strict();
export type BehaviourChange = z.infer<typeof BehaviourChange>;

/** One way the chosen Go behaves unlike upstream's, and the setting that restores it (when there is one). */
export interface BehaviourDifference {
  from: string;
  change: string;
  restoredBy?: string;
}

export interface ToolchainBehaviour {
  behaviour: BehaviourDifference[];
  /** The environment the package sets to restore upstream's behaviour (GODEBUG), when any applies. */
  restoreEnv?: Record<string, string>;
}

/** The changes between upstream's Go and the chosen Go that reach this component. */
export function behaviourDifferences(
  component: 'runc' | 'kubelet',
  upstreamGo: string,
  usedGo: string,
  changes: readonly BehaviourChange[],
): ToolchainBehaviour {
  const used = goMinor(usedGo);
  const behaviour = changes
    .filter(
      (c) =>
        c.components.includes(component) && compareGo(goMinor(upstreamGo), c.from) < 0 && compareGo(used, c.from) >= 0,
    )
    .map((c) => ({
      from: c.from,
      change: c.change,
      ...(c.godebug && (!c.godebugUntil || compareGo(used, c.godebugUntil) < 0) ? { restoredBy: c.godebug } : {}),
    }));
  const settings = behaviour.flatMap((b) => (b.restoredBy ? [b.restoredBy] : []));
  return { behaviour, ...(settings.length ? { restoreEnv: { GODEBUG: settings.join(',') } } : {}) };
}

/** For people (the plan, the package description): what differs and what restores it. */
export function describeBehaviour(t: Partial<ToolchainBehaviour> & { go: string }, upstreamGo: string): string[] {
  return (t.behaviour ?? []).map(
    (b) =>
      `Go ${t.go} (upstream: Go ${upstreamGo}) ${b.change} since Go ${b.from}; ` +
      (b.restoredBy ? `restored with GODEBUG=${b.restoredBy}` : 'no setting restores it in this Go'),
  );
}
