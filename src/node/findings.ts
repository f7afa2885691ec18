// A finding: one line of what the doctor saw, for people (the text output), with how much it matters.

export interface Finding {
  area: 'kernel' | 'cgroups' | 'binaries' | 'kubepods' | 'kubelet';
  level: 'ok' | 'warn' | 'bad' | 'info';
  message: string;
}
