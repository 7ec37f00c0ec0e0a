/** @module The typed outcome of a parser that could not read its input as an alert. */

export type AlertParseErrorCode =
  | 'empty' // nothing but whitespace
  | 'invalid_json' // looked like JSON but did not parse
  | 'not_an_object' // JSON, but not an object
  | 'not_an_alert' // an object without the fields every alert has
  | 'wrong_format' // an alert, but of another format than the one asked for
  | 'invalid_record'; // an alerts.log record whose header or rule line is broken

export interface AlertParseError {
  code: AlertParseErrorCode;
  /** One sentence a person can act on. */
  message: string;
  /** 0-based character offset of the problem in the input, where known. */
  position?: number;
}

export function parseError(code: AlertParseErrorCode, message: string, position?: number): AlertParseError {
  return position === undefined ? { code, message } : { code, message, position };
}
