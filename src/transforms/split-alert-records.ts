/**
 * @module Splits a stream of text into alert messages: one per JSON line, one per multi-line
 * alerts.log record. Incremental, so that a tailing agent and a file import share it.
 */
import { ALERTS_LOG_HEADER } from './parse-alerts-log.js';

/** A complete message and the 0-based line number where it starts. */
export interface AlertRecord {
  text: string;
  line: number;
}

/**
 * Feed chunks with `push`, collect finished records; call `end` at end of input. An alerts.log
 * record ends where the next `** Alert` header starts (not at a blank line: Wazuh FIM records
 * hold blank lines), so the last record is only complete at `end`. Lines outside a record are
 * messages of their own; blank lines outside a record are skipped. CRLF is read as LF.
 */
export class AlertRecordSplitter {
  private partial = '';
  private record: string[] | null = null;
  private recordLine = 0;
  private lineNo = 0;

  push(chunk: string): AlertRecord[] {
    const out: AlertRecord[] = [];
    const text = this.partial + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      this.line(text.slice(start, nl), out);
      start = nl + 1;
    }
    this.partial = text.slice(start);
    return out;
  }

  end(): AlertRecord[] {
    const out: AlertRecord[] = [];
    if (this.partial !== '') this.line(this.partial, out);
    this.partial = '';
    this.closeRecord(out);
    return out;
  }

  /** True while a multi-line record is open (it completes on the next header or at `end`). */
  get hasOpenRecord(): boolean {
    return this.record !== null || this.partial !== '';
  }

  private line(raw: string, out: AlertRecord[]): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lineNo = this.lineNo++;
    if (ALERTS_LOG_HEADER.test(line)) {
      this.closeRecord(out);
      this.record = [line];
      this.recordLine = lineNo;
    } else if (this.record) {
      this.record.push(line);
    } else if (line.trim() !== '') {
      out.push({ text: line, line: lineNo });
    }
  }

  private closeRecord(out: AlertRecord[]): void {
    if (!this.record) return;
    while (this.record.length > 1 && this.record[this.record.length - 1]!.trim() === '') this.record.pop();
    out.push({ text: this.record.join('\n'), line: this.recordLine });
    this.record = null;
  }
}

/** Splits a whole text at once. */
export function splitAlertRecords(text: string): AlertRecord[] {
  const splitter = new AlertRecordSplitter();
  return [...splitter.push(text), ...splitter.end()];
}
