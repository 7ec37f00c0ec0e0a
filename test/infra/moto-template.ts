/**
 * @module Test helper: the committed template cut down to what moto's CloudFormation can create.
 * moto refuses a whole stack whose Fn::GetAtt names a resource type it does not implement, so the
 * resources of those types are dropped and every Ref, Fn::GetAtt and DependsOn naming them becomes a
 * stand-in; the types dropped are the list of what moto could not create (README, "What moto shows").
 */

/** Resource types in deploy/hids-stack.template.json that moto's CloudFormation does not create. */
export const MOTO_UNSUPPORTED_TYPES = ['AWS::OpenSearchService::Domain'] as const;
/**
 * Properties moto's CloudFormation accepts and does not apply (seen with moto 5.2): the moto test
 * cannot show them, stack.test.ts asserts them on the template.
 */
export const MOTO_IGNORED_PROPERTIES = [
  'AWS::EC2::Instance MetadataOptions (IMDSv2 stays optional)',
  'AWS::EC2::Instance NetworkInterfaces[].GroupSet (the VPC\'s default group is attached)',
  'AWS::EC2::SecurityGroup SecurityGroupEgress (the default allow-all stays)',
  'AWS::IAM::Role ManagedPolicyArns (nothing attached)',
  'AWS::Lambda::Function DeadLetterConfig',
] as const;
/** Types moto accepts in a template but does not create (the stack completes without them). */
export const MOTO_SKIPPED_TYPES = ['AWS::SQS::QueuePolicy', 'AWS::Lambda::EventInvokeConfig', 'AWS::Logs::SubscriptionFilter'] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function templateForMoto(template: Record<string, unknown>, unsupported: readonly string[] = MOTO_UNSUPPORTED_TYPES): { template: Record<string, unknown>; dropped: string[] } {
  const copy = structuredClone(template) as { Resources: Record<string, { Type: string; DependsOn?: string | string[] }> } & Record<string, unknown>;
  const dropped = Object.entries(copy.Resources).filter(([, r]) => unsupported.includes(r.Type)).map(([id]) => id);
  for (const id of dropped) delete copy.Resources[id];
  const gone = new Set(dropped);
  const replace = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(replace);
    if (value === null || typeof value !== 'object') return value;
    const ref = value['Ref'];
    if (typeof ref === 'string' && gone.has(ref)) return `stand-in-for-${ref}`;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && gone.has(getAtt[0])) return `stand-in-for-${getAtt[0]}-${String(getAtt[1])}`;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v)]));
  };
  for (const resource of Object.values(copy.Resources)) {
    if (resource.DependsOn !== undefined) {
      const deps = (Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn]).filter((d) => !gone.has(d));
      if (deps.length > 0) resource.DependsOn = deps;
      else delete resource.DependsOn;
    }
  }
  return { template: replace(copy as unknown as Json) as Record<string, unknown>, dropped };
}
