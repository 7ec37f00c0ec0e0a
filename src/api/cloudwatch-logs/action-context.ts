/** @module What every CloudWatch Logs action gets: the store and the account it answers for. */
import type { LogStore } from '../../ingest/log-store.js';
import type { Admission } from '../../pipeline/admission.js';
import type { ActionInput } from './action-input.js';

export interface ActionContext {
  store: LogStore;
  /** The account id shown in ARNs and payloads (AWS: the 12-digit account). */
  owner: string;
  region: string;
  nowMs: () => number;
  /** The destinations that have a sink in this server; a subscription to another is refused (default: the embedded index). */
  destinations?: readonly string[];
  /** Whether PutLogEvents may store a batch now (absent: always); a refusal is answered as throttling, before the signature is checked. */
  admission?: { admit(requestBytes: number): Admission };
  /** Called after a subscription filter was created, changed or removed (also by DeleteLogGroup). */
  onSubscriptionChange?: () => void;
}

/** An action reads its input and returns its output, or undefined for operations without one. */
export type Action = (input: ActionInput, context: ActionContext) => Promise<object | undefined>;
