/**
 * @module Where a subscription filter can send a log group. hidsmon delivers to its own sinks, named
 * by pseudo-ARNs, instead of Kinesis, Firehose or Lambda.
 */

export const SUBSCRIPTION_DESTINATIONS = ['arn:hidsmon:sink:embedded', 'arn:hidsmon:sink:opensearch'] as const;

export type SubscriptionDestination = (typeof SUBSCRIPTION_DESTINATIONS)[number];

export function isSubscriptionDestination(arn: string): arn is SubscriptionDestination {
  return (SUBSCRIPTION_DESTINATIONS as readonly string[]).includes(arn);
}

/** The destination every server has: its embedded index. */
export const EMBEDDED_DESTINATION: SubscriptionDestination = 'arn:hidsmon:sink:embedded';

/** An OpenSearch cluster's, when the server has one configured (`opensearch.url`). */
export const OPENSEARCH_DESTINATION: SubscriptionDestination = 'arn:hidsmon:sink:opensearch';
