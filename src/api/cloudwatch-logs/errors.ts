/** @module CloudWatch Logs errors: the codes and texts AWS uses, and the one mapper to `{__type, message}` + status. */
import type { LogStoreError } from '../../ingest/log-store.js';
import type { SigV4Failure } from '../sigv4.js';

export type CloudWatchLogsErrorCode =
  | 'ResourceNotFoundException'
  | 'ResourceAlreadyExistsException'
  | 'InvalidParameterException'
  | 'LimitExceededException'
  | 'ThrottlingException'
  | 'ValidationException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException'
  | 'AccessDeniedException'
  | 'ServiceUnavailableException';

/** A refusal with CloudWatch's code; thrown inside the API layer and turned into a response in one place. */
export class CloudWatchLogsError extends Error {
  constructor(
    readonly code: CloudWatchLogsErrorCode,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export const GROUP_NOT_FOUND = 'The specified log group does not exist.';
export const STREAM_NOT_FOUND = 'The specified log stream does not exist.';
export const INVALID_TOKEN = 'The specified nextToken is invalid.';

export function invalidParameter(message: string): CloudWatchLogsError {
  return new CloudWatchLogsError('InvalidParameterException', message);
}

/**
 * CloudWatch's answer when it throttles PutLogEvents: 400 with ThrottlingException and "Rate
 * exceeded", which the AWS SDKs, Fluent Bit and the agent retry with backoff.
 */
export function throttled(): CloudWatchLogsError {
  return new CloudWatchLogsError('ThrottlingException', 'Rate exceeded');
}

export function serialization(message: string): CloudWatchLogsError {
  return new CloudWatchLogsError('SerializationException', message);
}

export function invalidToken(): CloudWatchLogsError {
  return invalidParameter(INVALID_TOKEN);
}

/** Store outcomes in CloudWatch's words. */
export function storeError(error: LogStoreError): CloudWatchLogsError {
  switch (error.kind) {
    case 'group-not-found':
      return new CloudWatchLogsError('ResourceNotFoundException', GROUP_NOT_FOUND);
    case 'stream-not-found':
      return new CloudWatchLogsError('ResourceNotFoundException', STREAM_NOT_FOUND);
    case 'group-exists':
      return new CloudWatchLogsError('ResourceAlreadyExistsException', 'The specified log group already exists');
    case 'stream-exists':
      return new CloudWatchLogsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    case 'filter-not-found':
      return new CloudWatchLogsError('ResourceNotFoundException', 'The specified subscription filter does not exist.');
    case 'filter-limit':
      return new CloudWatchLogsError('LimitExceededException', 'Resource limit exceeded.');
    case 'span-too-long':
      return invalidParameter('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  }
}

/**
 * Signature failures. AWS's JSON services answer a request without Authorization with
 * MissingAuthenticationTokenException and a malformed one with IncompleteSignatureException, both
 * 400 (observed from Coral services such as DynamoDB; the Logs reference does not list them, and
 * the general "common errors" page gives 403 for the query-protocol variants).
 */
export function signatureError(failure: SigV4Failure): CloudWatchLogsError {
  switch (failure.kind) {
    case 'missing-authentication':
      return new CloudWatchLogsError('MissingAuthenticationTokenException', failure.message);
    case 'incomplete-signature':
      return new CloudWatchLogsError('IncompleteSignatureException', failure.message);
    case 'unrecognized-client':
      return new CloudWatchLogsError('UnrecognizedClientException', failure.message);
    case 'invalid-signature':
    case 'clock-skew':
    case 'content-sha256-mismatch':
      return new CloudWatchLogsError('InvalidSignatureException', failure.message);
  }
}

/** What every response carries: the request id and the server's date (SDKs correct clock skew from it). */
export function baseHeaders(requestId: string, nowMs: number): Record<string, string> {
  return { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId, date: new Date(nowMs).toUTCString() };
}

/** The error body and headers: `__type` in the body for Fluent Bit, `x-amzn-ErrorType` for SDKs. */
export function errorResponse(error: CloudWatchLogsError, requestId: string, nowMs: number): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: error.status,
    headers: { ...baseHeaders(requestId, nowMs), 'x-amzn-errortype': error.code },
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}
