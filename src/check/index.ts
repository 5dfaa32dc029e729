// Public surface of the health checkers.
export type {
  CheckEvent, CheckKind, CheckSpec, CheckStatus, CheckTiming, ConnectOptions, ProbeResult,
} from './types';
export { buildCheckSpec, CheckSpecError, type CheckInput, type UrlInput } from './spec';
export { CheckScheduler, systemClock, type Clock, type SchedulerOptions } from './scheduler';
export { createProbe, probeOnce, type Probe, type ProbeFactory } from './probe';
export { genhash, type GenhashOptions, type GenhashResult } from './genhash';
export { resolveRunAs, type RunAs } from './run-as';
