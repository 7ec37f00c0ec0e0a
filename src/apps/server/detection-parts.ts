/**
 * @module The server's rule engine: the rule set (the built-in pack, `<rules>/*.yaml`, and rules
 * added through the API under `<rules>/api/`), the engine runner fed by the forwarder's
 * `onIndexed` for the backend's destination, the store its detections go to, and
 * `onDetection(listener)` for the notification dispatcher (and the bench's latency probe). A
 * bad rule file is logged with its place and skipped; it never stops the server.
 */
import { isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import type { RuleCatalog, RuleProblemJson } from '../../api/detections/detections-api.js';
import type { DetectionStore } from '../../core/detection.js';
import type { IndexedDocument } from '../../core/document.js';
import { DEFAULT_DETECTION_SETTINGS, type DetectionSettings } from '../../detect/detect-config.js';
import { DetectionRunner, type DetectionListener } from '../../detect/engine-runner.js';
import { builtinRules } from '../../detect/pack.js';
import { loadRuleFiles, removeRuleFile, saveRuleFile, type RuleFileProblem } from '../../detect/rule-files.js';
import { RuleSet } from '../../detect/rule-set.js';
import { ruleToObject } from '../../detect/rules.js';
import { validateRule } from '../../detect/rule-yaml.js';
import type { Registry } from '../../telemetry/metrics.js';

export interface DetectionParts {
  rules: RuleSet;
  /** The engine and its queue; undefined when `detections.enabled` is false. */
  runner: DetectionRunner | undefined;
  /** For /api/rules. */
  catalog: RuleCatalog;
  /** Problems of the rule files read at start (each also logged). */
  fileProblems: RuleFileProblem[];
  /** The forwarder's `onIndexed`: documents of the backend's destination go to the engine. */
  onIndexed(destination: string, documents: IndexedDocument[]): void;
  /** Told of each new detection, once it is stored. Returns the unsubscribe. */
  onDetection(listener: DetectionListener): () => void;
  stop(): Promise<void>;
}

export interface DetectionPartsOptions {
  dataDir: string;
  settings?: DetectionSettings;
  store: DetectionStore;
  /** The destination whose documents are the index (the backend's): the others feed no rules. */
  destination: string;
  logger: Logger;
  registry?: Registry;
  now?: () => number;
  tickMs?: number;
}

export function openDetectionParts(options: DetectionPartsOptions): DetectionParts {
  const settings = options.settings ?? DEFAULT_DETECTION_SETTINGS;
  const log = options.logger.child({ component: 'detections' });
  const rulesDir = settings.rulesDir === undefined ? join(options.dataDir, 'rules') : isAbsolute(settings.rulesDir) ? settings.rulesDir : join(options.dataDir, settings.rulesDir);
  const apiDir = join(rulesDir, 'api');
  const rules = new RuleSet(settings.builtin ? builtinRules() : []);
  const files = loadRuleFiles(rulesDir);
  const apiFiles = loadRuleFiles(apiDir);
  const fileProblems = [...files.problems, ...apiFiles.problems.map((p) => ({ ...p, file: `api/${p.file}` }))];
  for (const p of fileProblems) log.error({ file: p.file, line: p.line, column: p.column, path: p.path }, `Rule file skipped: ${p.message}`);
  rules.replaceFiles([...files.rules.map((r) => ({ ...r, source: 'file' as const })), ...apiFiles.rules.filter((r) => !files.rules.some((f) => f.compiled.rule.id === r.compiled.rule.id)).map((r) => ({ ...r, source: 'api' as const }))]);

  const detectionsTotal = options.registry?.counter('hidsmon_detections_total', 'Detections made (new ones, not those a restart made again), by rule kind and severity.', ['kind', 'severity']);
  const droppedTotal = options.registry?.counter('hidsmon_detection_documents_dropped_total', 'Indexed documents the rule engine did not evaluate because its queue was full.');
  const runner = settings.enabled
    ? new DetectionRunner({
        rules,
        store: options.store,
        statePath: join(options.dataDir, 'detections-state.json'),
        ...(options.now ? { now: options.now } : {}),
        ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {}),
        log: (level, fields, message) => log[level](fields, message),
        onDropped: (n) => droppedTotal?.inc(n),
      })
    : undefined;
  if (runner) {
    runner.onDetection((d) => {
      detectionsTotal?.inc(1, { kind: d.rule.kind, severity: d.rule.severity });
      log.info({ detection: d.id, rule: d.rule.id, group: d.group, count: d.count, hosts: d.hosts.length }, 'Detection.');
    });
    runner.start();
    options.registry?.gauge('hidsmon_detection_queue_documents', 'Indexed documents waiting for the rule engine.', () => runner.queued);
    log.info({ rules: rules.list().length, builtin: settings.builtin, rulesDir }, 'Detection rules loaded.');
  }

  const problemsJson = (problems: ReadonlyArray<{ message: string; path: string; line: number; column: number }>): RuleProblemJson[] => problems.map((p) => ({ message: p.message, path: p.path, line: p.line, column: p.column }));
  const catalog: RuleCatalog = {
    list: async () => {
      // The engine's verdict too: a rule that threw is disabled until it changes, and the UI says why.
      const engineErrors = new Map((runner?.status() ?? []).flatMap((s) => (s.error !== undefined ? [[s.id, s.error] as const] : [])));
      return rules.list().map((e) => {
        const error = engineErrors.get(e.compiled.rule.id);
        return { rule: ruleToObject(e.compiled.rule), source: e.source, editable: e.source === 'api', ...(error !== undefined ? { engine_error: error } : {}) };
      });
    },
    validate: (text) => {
      const checked = validateRule(text);
      return checked.ok ? { ok: true, rule: ruleToObject(checked.value.rule) } : { ok: false, problems: problemsJson(checked.error) };
    },
    add: async (text) => {
      const checked = validateRule(text);
      if (!checked.ok) return { ok: false, status: 400, problems: problemsJson(checked.error) };
      const rule = checked.value.rule;
      const existing = rules.get(rule.id);
      if (existing && existing.source !== 'api') return { ok: false, status: 409, problems: [{ message: `Rule ${rule.id} is ${existing.source === 'builtin' ? 'built in' : `in the file ${existing.file ?? ''}`}; choose another id.`, path: 'id', line: 0, column: 0 }] };
      const file = saveRuleFile(apiDir, rule);
      rules.add(checked.value, 'api', file);
      log.info({ rule: rule.id, kind: rule.condition.kind }, 'Rule added through the API.');
      return { ok: true, rule: ruleToObject(rule) };
    },
    remove: async (id) => {
      const existing = rules.get(id);
      if (!existing) return 'not_found';
      if (existing.source !== 'api') return 'read_only';
      if (existing.file) removeRuleFile(apiDir, existing.file);
      rules.remove(id);
      return 'deleted';
    },
  };

  return {
    rules,
    runner,
    catalog,
    fileProblems,
    onIndexed: (destination, documents) => {
      if (runner && destination === options.destination) runner.offer(documents);
    },
    onDetection: (listener) => runner?.onDetection(listener) ?? (() => undefined),
    stop: async () => {
      await runner?.stop();
    },
  };
}

