/** @module The OpenAPI 3.1 description of the query API, served at /api/openapi.json; each operation's role comes from authorization.ts. */
import { ruleFor } from './authorization.js';

const error = { $ref: '#/components/schemas/Error' };
const timeBound = { oneOf: [{ type: 'string', description: 'ISO 8601 or date math: now-15m, now/d, 2024-03-02T14:00:00Z' }, { type: 'integer', description: 'epoch ms' }] };
const searchBody = {
  type: 'object',
  properties: {
    query: { oneOf: [{ type: 'string', description: 'Lucene query syntax, as Kibana\'s query bar takes it' }, { type: 'object', description: 'OpenSearch query DSL (bool, term, terms, match, match_phrase, range, exists, wildcard, prefix, query_string)' }] },
    filters: { type: 'array', items: { type: 'object' }, description: 'query DSL objects, all required (filter pills)' },
    from: timeBound,
    to: timeBound,
    size: { type: 'integer', minimum: 0, maximum: 10000, default: 20 },
    time_zone: { type: 'string', description: "as OpenSearch's time_zone: an IANA zone (Europe/Berlin), UTC or an offset (+05:30); date math in from/to rounds in it (now/d is local midnight) and it is every date_histogram's zone unless one names its own" },
    sort: {
      oneOf: [
        { type: 'object', required: ['field'], properties: { field: { type: 'string' }, order: { enum: ['asc', 'desc'], default: 'desc' } } },
        { type: 'string', description: 'field:asc or field:desc' },
      ],
      description: 'hits by a keyword, number, date or ip field (a list by its least value ascending, its greatest descending), missing values last, then @timestamp and @id descending; a text field is a 400 naming its .keyword. Default: @timestamp descending',
    },
    search_after: {
      type: 'array',
      minItems: 2,
      maxItems: 3,
      description: 'the sort of the last hit of the previous page: [timestamp_ms, "@id"], or [value, timestamp_ms, "@id"] when sorted by a field (value null where the hit had none)',
    },
    aggregations: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['type'],
        properties: {
          type: { enum: ['date_histogram', 'terms', 'cardinality'] },
          field: { type: 'string' },
          size: { type: 'integer', minimum: 1, maximum: 1000 },
          missing: { type: 'string' },
          interval_ms: { oneOf: [{ const: 'auto' }, { type: 'integer', minimum: 1 }] },
          calendar_interval: { enum: ['1w', 'week', '1M', 'month', '1y', 'year'], description: 'date_histogram, instead of interval_ms: calendar weeks (from Monday), months or years from local midnight in the zone' },
          time_zone: { type: 'string', description: 'date_histogram: buckets start at local multiples of the interval in this zone (local midnight for days, 23- and 25-hour days across daylight-saving changes), as OpenSearch makes them' },
          aggregations: {
            type: 'object',
            maxProperties: 4,
            description: 'date_histogram: terms counted in each bucket (buckets[].aggregations.<name>: {type, buckets, other_count}), e.g. {"levels": {"type": "terms", "field": "rule.level", "size": 16}} for bars stacked by level',
            additionalProperties: { type: 'object', required: ['type', 'field'], properties: { type: { const: 'terms' }, field: { type: 'string' }, size: { type: 'integer', minimum: 1, maximum: 100 } } },
          },
        },
      },
    },
  },
};

const savedKind = { name: 'kind', in: 'path', required: true, schema: { enum: ['searches', 'queries'] } };
const savedId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const savedBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    query: { type: 'string', maxLength: 10000, description: 'Lucene' },
    filters: { type: 'array', maxItems: 50, items: { type: 'object', required: ['field', 'value'], properties: { field: { type: 'string' }, value: { type: ['string', 'number', 'boolean'] }, negate: { type: 'boolean' }, disabled: { type: 'boolean' } } } },
    columns: { type: 'array', maxItems: 100, items: { type: 'string' }, description: 'searches only' },
    sort: { type: 'array', maxItems: 5, items: { type: 'object', properties: { field: { type: 'string' }, order: { enum: ['asc', 'desc'] } } }, description: 'searches only' },
    time: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } }, description: 'searches only: date math or ISO 8601' },
  },
};

const DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'hidsmon query API',
    version: '0.1.0',
    description:
      'Search host-intrusion alerts indexed by hidsmon. Every route needs a bearer token (HIDSMON_API_TOKEN, or the generated one) or the session cookie that signing in sets, and a role (x-required-role): viewer reads, admin also deletes and manages. A refusal is 403 with the role needed. An API token is never accepted in a URL: POST it to /login, or use a one-time login link. The CloudWatch Logs API is served at POST / (AWS JSON 1.1, SigV4).',
  },
  security: [{ bearer: [] }, { session: [] }],
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer' },
      session: { type: 'apiKey', in: 'cookie', name: 'hidsmon_session' },
    },
    schemas: {
      Error: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            required: ['kind', 'message'],
            properties: { kind: { type: 'string' }, message: { type: 'string' }, position: { type: 'integer' }, hint: { type: 'string' }, field: { type: 'string' } },
          },
        },
      },
      AggregationResult: {
        description: 'By type (src/api/contract.ts): date_histogram {interval_ms, calendar_interval?, time_zone?, buckets: [{key_ms, count, aggregations?}]}; terms {buckets: [{key, count, metrics?}], other_count, missing_count?}; cardinality {value}',
        oneOf: [
          { type: 'object', properties: { type: { const: 'date_histogram' }, interval_ms: { type: 'integer' }, calendar_interval: { enum: ['week', 'month', 'year'] }, time_zone: { type: 'string' }, buckets: { type: 'array', items: { type: 'object', properties: { key_ms: { type: 'integer' }, count: { type: 'integer' }, aggregations: { type: 'object' } } } } } },
          { type: 'object', properties: { type: { const: 'terms' }, buckets: { type: 'array', items: { type: 'object', properties: { key: { type: ['string', 'number'] }, count: { type: 'integer' }, metrics: { type: 'object' } } } }, other_count: { type: 'integer' }, missing_count: { type: 'integer' } } },
          { type: 'object', properties: { type: { const: 'cardinality' }, value: { type: 'integer' } } },
        ],
      },
      Hit: {
        type: 'object',
        properties: { index: { type: 'string' }, id: { type: 'string' }, sort: { type: 'array' }, document: { type: 'object' } },
      },
    },
  },
  paths: {
    '/api/search': {
      post: {
        summary: 'Hits newest first, exact total, aggregations',
        requestBody: { required: true, content: { 'application/json': { schema: searchBody } } },
        responses: {
          200: {
            description: 'Results',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    total: { type: 'integer' },
                    took_ms: { type: 'integer' },
                    time_range: { oneOf: [{ type: 'null' }, { type: 'object', properties: { from: { type: 'integer' }, to: { type: 'integer' } } }], description: 'the range resolved, epoch ms' },
                    hits: { type: 'array', items: { $ref: '#/components/schemas/Hit' } },
                    aggregations: { type: 'object', additionalProperties: { $ref: '#/components/schemas/AggregationResult' } },
                  },
                },
              },
            },
          },
          400: { description: 'A syntax error (with position and hint), a bad request, or a query over a limit (the message names the limit; see limits: in hidsmon.yaml)', content: { 'application/json': { schema: error } } },
          401: { description: 'No valid token or session', content: { 'application/json': { schema: error } } },
          413: { description: 'The body is over limits.max_request_body_bytes (1 MiB by default)', content: { 'application/json': { schema: error } } },
        },
      },
    },
    '/api/export': {
      post: {
        summary: 'The whole result of a search body (query, filters, time range, sort) as CSV or NDJSON, streamed, not capped at 10,000',
        description:
          'Paged with search_after (on a point in time on OpenSearch); the time range is fixed when the export starts. CSV (RFC 4180, CRLF) has a header of the columns; a text cell that begins with =, +, -, @, tab or CR is prefixed with \' so that spreadsheets do not run it. NDJSON has the columns by name, or {_index, _id, _source} without columns. X-Total-Count is the number of rows.',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                allOf: [
                  searchBody,
                  { type: 'object', properties: { format: { enum: ['csv', 'ndjson'], default: 'csv' }, columns: { type: 'array', maxItems: 200, items: { type: 'string' }, description: 'fields written (CSV default: @timestamp, @log_stream, rule.level, rule.comment, srcip, full_log)' } } },
                ],
              },
            },
          },
        },
        responses: {
          200: { description: 'The rows, as an attachment (Content-Disposition: attachment; filename="hidsmon-<from>-<to>.csv")', content: { 'text/csv': {}, 'application/x-ndjson': {} } },
          400: { description: 'A bad query, format, columns or sort (before any row)', content: { 'application/json': { schema: error } } },
          401: { description: 'No valid token or session', content: { 'application/json': { schema: error } } },
        },
      },
    },
    '/api/fields': { get: { summary: 'Every field seen, with its type', responses: { 200: { description: 'Fields' } } } },
    '/api/fields/top': {
      post: {
        summary: "A field's top values under a query, with their share",
        requestBody: { required: true, content: { 'application/json': { schema: { ...searchBody, required: ['field'], properties: { ...searchBody.properties, field: { type: 'string' } } } } } },
        responses: { 200: { description: 'Top values' }, 400: { description: 'Bad request', content: { 'application/json': { schema: error } } } },
      },
    },
    '/api/indices': { get: { summary: 'Daily indices with document counts and sizes', responses: { 200: { description: 'Indices' } } } },
    '/api/indices/{name}': {
      delete: {
        summary: 'Delete one daily index',
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^cwl-\\d{4}\\.\\d{2}\\.\\d{2}$' } }],
        responses: { 200: { description: 'Deleted' }, 404: { description: 'No such index' } },
      },
    },
    '/api/ingest': { get: { summary: 'Log groups and streams, last events, forwarder lag and status per destination (ok, sink_unavailable, restarting; restarts, last_error), flow control (whether PutLogEvents is throttled because indexing is behind, the bounds, requests refused), dead letters, retention (waiting while a destination has not taken expired events), and per log group its retention, subscription filters and their recent changes (who, when, from where, outcome: a filter that never matches stops indexing)', responses: { 200: { description: 'Ingest state' } } } },
    '/api/audit': {
      get: {
        summary:
          'The audit log (admin): every change that is not PutLogEvents (log groups, streams, subscription filters, retention, deletions, index deletions, keys, logins), allowed, denied or failed, and refused PutLogEvents; newest first. Values are data, as recorded (render as text). `dropped` counts entries lost since the server started (buffer full or store failing).',
        parameters: [
          { name: 'from', in: 'query', schema: { type: 'string' }, description: 'ISO 8601, epoch ms or date math (now-24h)' },
          { name: 'to', in: 'query', schema: { type: 'string' } },
          { name: 'actor', in: 'query', schema: { type: 'string' }, description: 'an access key or token id (a session matches by the token that made it); repeat or comma-separate for several' },
          { name: 'action', in: 'query', schema: { type: 'string' }, description: 'a glob (logs:Put*) or a prefix (logs:); repeat for several' },
          { name: 'outcome', in: 'query', schema: { enum: ['allowed', 'denied', 'failed'] } },
          { name: 'resource', in: 'query', schema: { type: 'string' }, description: 'exact, or a glob (*:log-group:hids-*)' },
          { name: 'q', in: 'query', schema: { type: 'string' }, description: 'case-insensitive text in the message, action, resource, actor, source ip or detail' },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'next_cursor of the previous page (older entries)' },
          { name: 'after_id', in: 'query', schema: { type: 'integer' }, description: 'entries with a greater id, oldest first (to follow the log)' },
        ],
        responses: {
          200: {
            description: 'Entries',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    entries: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          id: { type: 'integer' },
                          time: { type: 'string', format: 'date-time' },
                          time_ms: { type: 'integer' },
                          actor: { type: 'object', properties: { kind: { enum: ['access-key', 'api-token', 'session', 'system', 'anonymous'] }, id: { type: 'string' }, arn: { type: 'string' }, role: { type: 'string' }, token_id: { type: 'string' } } },
                          source_ip: { type: ['string', 'null'] },
                          action: { type: 'string' },
                          resource: { type: ['string', 'null'] },
                          outcome: { enum: ['allowed', 'denied', 'failed'] },
                          message: { type: ['string', 'null'] },
                          detail: { type: ['object', 'null'] },
                          request_id: { type: ['string', 'null'] },
                        },
                      },
                    },
                    next_cursor: { type: ['string', 'null'] },
                    dropped: { type: 'integer' },
                  },
                },
              },
            },
          },
          400: { description: 'A bad filter, with what to send', content: { 'application/json': { schema: error } } },
          403: { description: 'Needs the admin role', content: { 'application/json': { schema: error } } },
        },
      },
    },
    '/api/dead-letters': { get: { summary: 'Events a sink refused for good', parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }], responses: { 200: { description: '{"dead_letters": [{id, time_ms, destination, reason, log_group, log_stream, event_id, timestamp, message}]}' } } } },
    '/api/dead-letters/replay': {
      post: {
        summary: 'Replay dead letters (admin, audited as deadLetters:Replay): each goes through the forwarder to its destination again; those indexed (or already there) are removed, those refused again stay and are answered with the new reason',
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { ids: { type: 'array', maxItems: 1000, items: { type: 'integer', minimum: 1 } } }, description: '{} replays the oldest 1000' } } } },
        responses: { 200: { description: '{"replayed": [ids], "failed": [{"id", "reason"}]}' }, 400: { description: 'Not a list of ids' }, 503: { description: 'The destination takes nothing now; nothing was removed' } },
      },
    },
    '/api/fleet': {
      get: {
        summary:
          'Every host (log stream): alerts in the range (heartbeats not counted), highest rule.level, last alert, and the last agent heartbeat (last 30 days); status silent when that heartbeat is older than silent_host_seconds, no_heartbeat when there is none; silent hosts first',
        parameters: [
          { name: 'from', in: 'query', schema: { type: 'string' }, description: 'date math or ISO 8601 (default now-24h)' },
          { name: 'to', in: 'query', schema: { type: 'string' }, description: 'default now' },
        ],
        responses: { 200: { description: '{"now", "time_range", "silent_host_seconds", "took_ms", "truncated", "hosts": [{"log_stream", "status", "alerts", "max_level", "last_alert", "last_heartbeat"}]}' } },
      },
    },
    '/api/detections': {
      get: {
        summary:
          "Detections (issue 15): a rule's condition met by a group of alerts in a window; newest first. Each has its rule, group, count, hosts, window, status and the first matching alerts; `query` with `window` as the time range shows exactly the matching alerts in Discover. Values are alert text (render as text).",
        parameters: [
          { name: 'status', in: 'query', schema: { type: 'string' }, description: 'open, acknowledged, closed; comma-separated for several' },
          { name: 'rule', in: 'query', schema: { type: 'string' }, description: 'a rule id' },
          { name: 'q', in: 'query', schema: { type: 'string' }, description: 'case-insensitive text in the rule name, group values, hosts and evidence' },
          { name: 'from', in: 'query', schema: { type: 'string' }, description: 'ISO 8601 bound on created_at' },
          { name: 'to', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' }, description: '`next` of the previous page' },
        ],
        responses: { 200: { description: '{"detections": [DetectionJson], "total", "next"} (src/api/contract.ts)' }, 400: { description: 'A bad parameter, named' } },
      },
    },
    '/api/detections/{id}': {
      get: {
        summary: 'One detection',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'DetectionJson' }, 404: { description: 'No such detection' } },
      },
    },
    '/api/detections/{id}/status': {
      post: {
        summary: 'Acknowledge, close or reopen a detection (admin; audited as detections:SetStatus): {"status": "acknowledged" | "closed" | "open"}',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['status'], properties: { status: { enum: ['open', 'acknowledged', 'closed'] } } } } } },
        responses: { 200: { description: 'The detection with its new status, status_by and status_at' }, 400: { description: 'Not a status' }, 404: { description: 'No such detection' } },
      },
    },
    '/api/rules': {
      get: {
        summary: 'The detection rules: built in, from <rules>/*.yaml, or added through the API (only those are `editable`)',
        responses: { 200: { description: '{"rules": [{"rule": {...as in YAML}, "source": "builtin" | "file" | "api", "editable", "engine_error"?: why the engine disabled it}]}' } },
      },
      post: {
        summary: 'Add a rule (admin; audited as rules:Add): {"yaml": "<one rule>"} or {"rule": {...}}; kept under <rules>/api/',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { yaml: { type: 'string' }, rule: { type: 'object' } } } } } },
        responses: { 201: { description: '{"rule": {...}}' }, 400: { description: 'Invalid: {"error": {"problems": [{"message", "path", "line", "column"}]}}' }, 409: { description: 'The id is a built-in or file rule' } },
      },
    },
    '/api/rules/validate': {
      post: {
        summary: 'Check one rule without adding it: {"valid": true, "rule"} or {"valid": false, "problems": [{"message", "path", "line", "column"}]} (a query error points into the query)',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { yaml: { type: 'string' }, rule: { type: 'object' } } } } } },
        responses: { 200: { description: 'The verdict' }, 400: { description: 'Neither yaml nor rule in the body' } },
      },
    },
    '/api/rules/{id}': {
      delete: {
        summary: 'Delete a rule added through the API (admin; audited as rules:Delete); built-in and file rules answer 409',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: '{"deleted": id}' }, 404: { description: 'No such rule' }, 409: { description: 'A built-in or file rule' } },
      },
    },
    '/api/notifications': {
      get: {
        summary: 'Notification attempts, newest first (sent, retrying, failed; suppressed by the throttle per rule and group; dropped by a full channel queue), and the counts since start (admin)',
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 200 } }],
        responses: { 200: { description: '{"configured", "attempts": [NotificationAttemptJson], "stats"}' } },
      },
    },
    '/api/doc/{index}/{id}': {
      get: {
        summary: 'One document by its daily index and id, as hits name them (a permanent link)',
        parameters: [
          { name: 'index', in: 'path', required: true, schema: { type: 'string', pattern: '^cwl-\\d{4}\\.\\d{2}\\.\\d{2}$' } },
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: { 200: { description: '{"hit": {...}}' }, 400: { description: 'Not a daily index name' }, 404: { description: 'No such document' } },
      },
    },
    '/api/doc/{index}/{id}/context': {
      get: {
        summary: 'The size alerts before and after a document on its host (@log_stream), the query and filters dropped, heartbeats left out: {"anchor", "older", "newer"}, both sides nearest first',
        parameters: [
          { name: 'index', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 5 } },
        ],
        responses: { 200: { description: 'The context' }, 400: { description: 'A size out of range' }, 404: { description: 'No such document' } },
      },
    },
    '/api/dead-letters/{id}': {
      delete: {
        summary: 'Remove one dead letter (after replaying or judging it)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
        responses: { 200: { description: 'Removed' }, 400: { description: 'Not an id' }, 404: { description: 'No such dead letter' } },
      },
    },
    '/api/saved/{kind}': {
      get: {
        summary: 'Saved searches (kind searches: query, filters, columns, sort, time) or saved queries (kind queries: query and filters), shared by everyone who signs in; by name',
        parameters: [savedKind],
        responses: { 200: { description: '{"saved_searches": [...]} or {"saved_queries": [...]}' }, 404: { description: 'Not a kind' } },
      },
      post: {
        summary: 'Save a view under a name (unique within its kind, without case; 1 to 100 characters). Audited',
        parameters: [savedKind],
        requestBody: { required: true, content: { 'application/json': { schema: savedBody } } },
        responses: { 201: { description: 'The saved object with its id' }, 400: { description: 'What to fix', content: { 'application/json': { schema: error } } }, 409: { description: 'The name is taken, or too many objects', content: { 'application/json': { schema: error } } } },
      },
    },
    '/api/saved/{kind}/{id}': {
      get: { summary: 'One saved object', parameters: [savedKind, savedId], responses: { 200: { description: 'The saved object' }, 404: { description: 'No such object' } } },
      patch: {
        summary: "Rename (send name) and/or change the view (the fields sent; the others are kept). Its maker or an admin only. Audited",
        parameters: [savedKind, savedId],
        requestBody: { required: true, content: { 'application/json': { schema: savedBody } } },
        responses: { 200: { description: 'The changed object' }, 400: { description: 'What to fix', content: { 'application/json': { schema: error } } }, 404: { description: 'No such object' }, 409: { description: 'The name is taken' } },
      },
      delete: { summary: 'Delete a saved object. Its maker or an admin only. Audited', parameters: [savedKind, savedId], responses: { 200: { description: '{"deleted": id}' }, 404: { description: 'No such object' } } },
    },
    '/api/keys': { get: { summary: 'Access keys (id, profile, log groups) and API tokens (id, role), configured and stored, revoked ones marked; never a secret', responses: { 200: { description: 'Keys and tokens' } } } },
    '/api/session': {
      get: {
        summary: "Who is signed in: the role and the principal (a session, or the API token's id)",
        responses: { 200: { description: '{"authenticated": true, "role": "viewer"|"admin", "principal": {"kind", "id"}}' }, 401: { description: 'Not signed in' } },
      },
    },
    '/api/login-link': {
      post: {
        summary: "A one-time login link (15 minutes) for a browser, with the caller's role or a lesser one",
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { role: { enum: ['viewer', 'admin'] } } } } } },
        responses: { 200: { description: '{"url", "role", "expires_at"}' }, 403: { description: 'A viewer asked for an admin link', content: { 'application/json': { schema: error } } } },
      },
    },
    '/api/logout': { post: { summary: 'End this session', responses: { 200: { description: 'Signed out; the cookie is cleared' } } } },
    '/login': {
      get: {
        summary: 'Trade a one-time login link for a session cookie, then go to next (a path on this server only, else /). A long-lived API token here is refused: it does not go in a URL',
        security: [],
        parameters: [
          { name: 'token', in: 'query', required: true, schema: { type: 'string' }, description: 'a one-time login token' },
          { name: 'next', in: 'query', schema: { type: 'string' } },
        ],
        responses: { 302: { description: 'Signed in; Set-Cookie and Location' }, 401: { description: 'An unknown, used or expired link, or an API token in the URL' } },
      },
      post: {
        summary: "Sign in with an API token in the body: the sign-in form (303 to next) or JSON (200). The session has the token's role. Same origin only (Sec-Fetch-Site or Origin)",
        security: [],
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' }, next: { type: 'string' } } } },
            'application/json': { schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' }, next: { type: 'string' } } } },
          },
        },
        responses: {
          200: { description: 'JSON: {"signed_in": true, "role", "next"} and Set-Cookie' },
          303: { description: 'Form: Set-Cookie, Location: next (a path on this server, else /)' },
          401: { description: 'Not a valid API token' },
          403: { description: 'Posted from another site' },
          415: { description: 'Neither a form nor JSON' },
        },
      },
    },
    '/healthz': {
      get: {
        summary: 'Health; no authentication. 200 with {"status":"ok"}, or {"status":"degraded","reasons":[...]} while a sink is unavailable, a forwarder loop restarts or a destination lags past health_lag_seconds',
        security: [],
        responses: { 200: { description: 'ok or degraded, with the reasons' } },
      },
    },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text/plain; version=0.0.4' } } } },
  },
} as const;

const forbidden = { description: "The caller's role may not do this: the message names the role needed", content: { 'application/json': { schema: error } } };

/** Every authenticated operation says the role it needs, as the one table decides (not restated here), and documents its 403. */
function withRoles(paths: Record<string, Record<string, Record<string, unknown>>>): Record<string, Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const [path, operations] of Object.entries(paths)) {
    out[path] = {};
    for (const [method, operation] of Object.entries(operations)) {
      const open = Array.isArray(operation['security']) && operation['security'].length === 0;
      if (open) {
        out[path][method] = operation;
        continue;
      }
      const role = ruleFor(method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x')).role;
      out[path][method] = { ...operation, 'x-required-role': role, responses: { ...(operation['responses'] as object), 403: forbidden } };
    }
  }
  return out;
}

export const OPENAPI_DOCUMENT = { ...DOCUMENT, paths: withRoles(DOCUMENT.paths as unknown as Record<string, Record<string, Record<string, unknown>>>) };
