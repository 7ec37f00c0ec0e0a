/** @module The log stream name from its template: `{instance_id}` and `{hostname}` filled in, made a valid stream name. Pure. */

export interface HostIdentity {
  instanceId: string;
  hostname: string;
}

/** Whether the template needs the instance id (so instance metadata is asked only then). */
export function needsInstanceId(template: string): boolean {
  return template.includes('{instance_id}');
}

/** Fills the placeholders; ':' and '*' (not allowed in a stream name) become '_', and the name is cut to 512 characters. */
export function renderStreamName(template: string, identity: HostIdentity): string {
  const name = template.replace(/\{(instance_id|hostname)\}/g, (_, key: string) => (key === 'instance_id' ? identity.instanceId : identity.hostname));
  return name.replace(/[:*]/g, '_').slice(0, 512);
}
