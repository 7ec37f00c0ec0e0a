/**
 * @module What `POST /api/saved_objects/_import` answered, read into an outcome with a sentence per
 * refused object that says what to do. Pure: the CLI sends the request.
 */

/** One refused object, as Dashboards reports it. */
export interface ImportObjectError {
  id: string;
  type: string;
  title?: string;
  error: { type: string; message?: string; references?: Array<{ type: string; id: string }> };
}

export type ImportOutcome =
  /** Every object was created or replaced. */
  | { kind: 'imported'; successCount: number }
  /** Dashboards answered, but refused some objects (they were not created). */
  | { kind: 'refused'; successCount: number; errors: ImportObjectError[] }
  /** Not an import answer: another status, or a body that is not the import route's. */
  | { kind: 'failed'; status: number; message: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readErrors(value: unknown): ImportObjectError[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((e) => {
    const error = isObject(e['error']) ? e['error'] : {};
    const refs = Array.isArray(error['references']) ? error['references'].filter(isObject).map((r) => ({ type: String(r['type']), id: String(r['id']) })) : undefined;
    return {
      id: String(e['id'] ?? '?'),
      type: String(e['type'] ?? '?'),
      ...(typeof e['title'] === 'string' ? { title: e['title'] } : {}),
      error: { type: String(error['type'] ?? 'unknown'), ...(typeof error['message'] === 'string' ? { message: error['message'] } : {}), ...(refs ? { references: refs } : {}) },
    };
  });
}

/** Hints for statuses that usually mean the wrong address or missing credentials. */
function statusHint(status: number): string {
  if (status === 404) return ' Is --url the Dashboards address (http://host:5601, or https://<domain>/_dashboards on Amazon OpenSearch Service)?';
  if (status === 401 || status === 403) return ' Give credentials in the URL (https://user:password@host) if Dashboards asks for them.';
  if (status === 413) return ' The file is above savedObjects.maxImportPayloadBytes.';
  if (status >= 300 && status < 400) return ' It redirects (to a sign-in page?): give the address it redirects to, with credentials if it asks for them.';
  return '';
}

/** Reads the status, parsed JSON body (undefined when it was not JSON) and redirect target of an import request. */
export function readImportResponse(status: number, body: unknown, text = '', location?: string): ImportOutcome {
  if (status !== 200) {
    const message = location !== undefined && status >= 300 && status < 400 ? `redirect to ${location}` : isObject(body) && typeof body['message'] === 'string' ? body['message'] : text.trim().slice(0, 300) || 'no message';
    return { kind: 'failed', status, message: `Dashboards answered HTTP ${status}: ${message}.${statusHint(status)}` };
  }
  if (!isObject(body) || typeof body['success'] !== 'boolean' || typeof body['successCount'] !== 'number') {
    return { kind: 'failed', status, message: 'The answer is not a saved objects import result (no success/successCount); is --url the Dashboards address, not OpenSearch\'s?' };
  }
  const errors = readErrors(body['errors']);
  if (body['success'] && errors.length === 0) return { kind: 'imported', successCount: body['successCount'] };
  return { kind: 'refused', successCount: body['successCount'], errors };
}

/** One line per refused object: which object, why, and what to do. */
export function describeImportError(e: ImportObjectError): string {
  const what = `${e.type} "${e.title ?? e.id}" (${e.id})`;
  switch (e.error.type) {
    case 'conflict':
    case 'ambiguous_conflict':
      return `${what} already exists; run again with --overwrite to replace it.`;
    case 'missing_references': {
      const refs = (e.error.references ?? []).map((r) => `${r.type} ${r.id}`).join(', ');
      return `${what} refers to objects that are neither in the file nor in Dashboards: ${refs || 'not named'}.`;
    }
    case 'unsupported_type':
      return `${what}: this Dashboards does not know the type ${e.type}.`;
    default:
      return `${what}: ${e.error.message ?? e.error.type}.`;
  }
}
