//! Measurement only (issue 14, not shipped): tantivy as the embedded store's text index, fed the
//! same rows as the FTS5 index (text-index.ts): JSON lines `{ts, level, day, full_log, comment,
//! extra, missing}` whose four texts are already the project analyzer's encoded tokens, one space
//! between (index-analyzer.ts's indexedTextsOf), so a whitespace tokenizer with no filter indexes
//! exactly FTS5's terms and positions and the answers must be FTS5's. Builds the index (timed:
//! documents made and added, commits every `--commit-every` rows as the store commits FTS5 per
//! batch), measures its directory as written and after a merge to one segment, then (with
//! `--word`/`--phrase`) times the bench's queries warm in this process and prints one JSON object.
//!
//! Usage: hidsmon-tantivy-bench --input rows.jsonl --dir DIR [--threads N|default]
//!   [--heap-mb 128] [--commit-every 10000] [--extra-positions yes|no]
//!   [--word TOKEN --phrase "T1 T2 ..." --grain-ms 3600000 --page 20]

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::Instant;

use serde::Deserialize;
use serde_json::json;
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{DocId, Index, IndexWriter, Order, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term};

const WARMUP: usize = 5;
const RUNS: usize = 7;

#[derive(Deserialize)]
struct Row {
    ts: i64,
    day: i64,
    level: Option<i64>,
    full_log: Option<String>,
    comment: Option<String>,
    extra: Option<String>,
    missing: Option<String>,
}

struct Fields {
    ts: Field,
    day: Field,
    level: Field,
    full_log: Field,
    comment: Field,
    extra: Field,
    missing: Field,
}

struct Args {
    input: String,
    dir: String,
    threads: Option<usize>,
    heap_bytes: usize,
    commit_every: usize,
    extra_positions: bool,
    word: Option<String>,
    phrase: Option<String>,
    grain_ms: i64,
    page: usize,
    /// Only the queries, on the index `--dir` holds (a second round, interleaved with FTS5's).
    open: bool,
}

fn parse_args() -> Args {
    let mut args = Args { input: String::new(), dir: String::new(), threads: None, heap_bytes: 128 << 20, commit_every: 10_000, extra_positions: true, word: None, phrase: None, grain_ms: 3_600_000, page: 20, open: false };
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == "--open" {
            args.open = true;
            i += 1;
            continue;
        }
        let value = raw.get(i + 1).cloned().unwrap_or_else(|| fail(&format!("{} needs a value", raw[i])));
        match raw[i].as_str() {
            "--input" => args.input = value,
            "--dir" => args.dir = value,
            "--threads" => args.threads = if value == "default" { None } else { Some(number(&value)) },
            "--heap-mb" => args.heap_bytes = number(&value) << 20,
            "--commit-every" => args.commit_every = number(&value).max(1),
            "--extra-positions" => args.extra_positions = value == "yes",
            "--word" => args.word = Some(value),
            "--phrase" => args.phrase = Some(value),
            "--grain-ms" => args.grain_ms = number(&value) as i64,
            "--page" => args.page = number(&value),
            other => fail(&format!("unknown argument {other}")),
        }
        i += 2;
    }
    if args.dir.is_empty() || (args.input.is_empty() && !args.open) {
        fail("--dir and --input (or --open) are required");
    }
    args
}

fn number(s: &str) -> usize {
    s.parse().unwrap_or_else(|_| fail(&format!("not a number: {s}")))
}

fn fail(message: &str) -> ! {
    eprintln!("hidsmon-tantivy-bench: {message}");
    std::process::exit(2)
}

/// The FTS5 table's columns as tantivy fields: the texts tokenized on spaces only (the tokens are
/// final), no field norms (nothing is scored: answers are ordered by time), positions where FTS5
/// keeps them (`extra`/`missing` only answer terms, so `--extra-positions no` drops theirs);
/// `ts`, `day` and `level` as columns (fast fields), as the FTS5 rowid and UNINDEXED columns.
fn schema(extra_positions: bool) -> (Schema, Fields) {
    let text = |positions: bool| {
        let option = if positions { IndexRecordOption::WithFreqsAndPositions } else { IndexRecordOption::Basic };
        TextOptions::default().set_indexing_options(TextFieldIndexing::default().set_tokenizer("tokens").set_fieldnorms(false).set_index_option(option))
    };
    let mut builder = Schema::builder();
    let fields = Fields {
        ts: builder.add_i64_field("ts", FAST),
        day: builder.add_i64_field("day", FAST),
        level: builder.add_i64_field("level", FAST),
        full_log: builder.add_text_field("full_log", text(true)),
        comment: builder.add_text_field("comment", text(true)),
        extra: builder.add_text_field("extra", text(extra_positions)),
        missing: builder.add_text_field("missing", text(extra_positions)),
    };
    (builder.build(), fields)
}

fn dir_bytes(dir: &Path) -> u64 {
    fs::read_dir(dir).map(|entries| entries.filter_map(|e| e.ok()).filter_map(|e| e.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum()).unwrap_or(0)
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = xs.len();
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}

/// Warm (WARMUP runs, the first one timed apart: the query's first run after the index is opened),
/// then the median of RUNS timed runs; returns the first run's time and the last answer too.
fn timed<T>(mut run: impl FnMut() -> T) -> (f64, f64, T) {
    let t0 = Instant::now();
    run();
    let first = millis(t0);
    for _ in 1..WARMUP {
        run();
    }
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let t0 = Instant::now();
        last = Some(run());
        times.push(millis(t0));
    }
    (median(times), first, last.unwrap())
}

/// Matches per grain of time, from the `ts` column: a histogram of a query's matches.
struct GrainCounts {
    grain_ms: i64,
}

struct SegmentGrainCounts {
    grain_ms: i64,
    ts: Column<i64>,
    counts: BTreeMap<i64, u64>,
    /// The grain of the previous match and its count so far: matches come in doc order, which is
    /// time order here, so nearly every match adds to the previous grain.
    current: Option<(i64, u64)>,
}

impl Collector for GrainCounts {
    type Fruit = BTreeMap<i64, u64>;
    type Child = SegmentGrainCounts;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentGrainCounts> {
        Ok(SegmentGrainCounts { grain_ms: self.grain_ms, ts: segment.fast_fields().i64("ts")?, counts: BTreeMap::new(), current: None })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<BTreeMap<i64, u64>>) -> tantivy::Result<BTreeMap<i64, u64>> {
        let mut all = BTreeMap::new();
        for fruit in fruits {
            for (k, n) in fruit {
                *all.entry(k).or_insert(0) += n;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentGrainCounts {
    type Fruit = BTreeMap<i64, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(ts) = self.ts.first(doc) else { return };
        let key = ts.div_euclid(self.grain_ms) * self.grain_ms;
        match &mut self.current {
            Some((k, n)) if *k == key => *n += 1,
            current => {
                if let Some((k, n)) = current.take() {
                    *self.counts.entry(k).or_insert(0) += n;
                }
                *current = Some((key, 1));
            }
        }
    }

    fn harvest(mut self) -> BTreeMap<i64, u64> {
        if let Some((k, n)) = self.current.take() {
            *self.counts.entry(k).or_insert(0) += n;
        }
        self.counts
    }
}

fn term(field: Field, token: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, token), IndexRecordOption::Basic))
}

/// A word over free text's default fields, full_log and @message, with @message kept as the FTS5
/// layout's delta: `@message ∋ t ⟺ extra ∋ t ∨ (comment ∋ t ∧ missing ∌ t)` for a t not in
/// full_log (text-index.ts), so `full_log ∨ @message ∋ t ⟺ full_log ∨ extra ∨ (comment ∧ ¬missing)`,
/// the same rows as the FTS5 expression the bench runs (`({full_log comment} : t NOT (missing : t
/// NOT full_log : t)) OR extra : t`).
fn word_query(f: &Fields, token: &str) -> BooleanQuery {
    let comment_in_message = BooleanQuery::new(vec![(Occur::Must, term(f.comment, token)), (Occur::MustNot, term(f.missing, token))]);
    BooleanQuery::new(vec![(Occur::Should, term(f.full_log, token)), (Occur::Should, term(f.extra, token)), (Occur::Should, Box::new(comment_in_message))])
}

/// A phrase in full_log or rule.comment (FTS5's `{full_log comment} : "t1 t2 ..."`): the fields
/// that keep positions; a phrase in @message's delta is FTS5's to check in DuckDB, not compared.
fn phrase_query(f: &Fields, tokens: &[&str]) -> BooleanQuery {
    let phrase = |field: Field| -> Box<dyn Query> { Box::new(PhraseQuery::new(tokens.iter().map(|t| Term::from_field_text(field, t)).collect())) };
    BooleanQuery::new(vec![(Occur::Should, phrase(f.full_log)), (Occur::Should, phrase(f.comment))])
}

fn add_text(doc: &mut TantivyDocument, field: Field, text: &Option<String>) {
    if let Some(t) = text {
        if !t.is_empty() {
            doc.add_text(field, t);
        }
    }
}

fn main() -> tantivy::Result<()> {
    let args = parse_args();
    let dir = Path::new(&args.dir);
    let (schema, f) = schema(args.extra_positions);
    let (index, mut out) = if args.open { (Index::open_in_dir(dir)?, json!({})) } else { build(&args, dir, schema, &f)? };
    let reader = index.reader()?;
    let searcher = reader.searcher();
    if !args.open {
        out["segmentsMerged"] = json!(searcher.segment_readers().len());
        out["parts"] = space_usage(&searcher)?;
    }

    let newest = |query: &dyn Query| -> (usize, Vec<i64>) {
        let top = TopDocs::with_limit(args.page).order_by_fast_field::<i64>("ts", Order::Desc);
        let (n, docs) = searcher.search(query, &(Count, top)).expect("search");
        (n, docs.into_iter().map(|(ts, _)| ts.unwrap_or(i64::MIN)).collect())
    };
    if let Some(word) = &args.word {
        let q = word_query(&f, word);
        let (ms, first_ms, (total, times)) = timed(|| newest(&q));
        out["word"] = json!({ "ms": ms, "firstMs": first_ms, "total": total, "newest": times });
        let grains = GrainCounts { grain_ms: args.grain_ms };
        let (ms, first_ms, counts) = timed(|| searcher.search(&q, &grains).expect("histogram"));
        let buckets: Vec<[i64; 2]> = counts.into_iter().map(|(k, n)| [k, n as i64]).collect();
        out["histogram"] = json!({ "ms": ms, "firstMs": first_ms, "buckets": buckets });
    }
    if let Some(phrase) = &args.phrase {
        let tokens: Vec<&str> = phrase.split(' ').collect();
        let q = phrase_query(&f, &tokens);
        let (ms, first_ms, (total, times)) = timed(|| newest(&q));
        out["phrase"] = json!({ "ms": ms, "firstMs": first_ms, "total": total, "newest": times });
    }
    println!("{out}");
    Ok(())
}

/// Creates the index in `dir` from `--input`'s rows, timed, and merges it to one segment.
fn build(args: &Args, dir: &Path, schema: Schema, f: &Fields) -> tantivy::Result<(Index, serde_json::Value)> {
    fs::create_dir_all(dir)?;
    let index = Index::create_in_dir(dir, schema)?;
    index.tokenizers().register("tokens", TextAnalyzer::builder(WhitespaceTokenizer::default()).build());
    // The rows are read and parsed before the clock starts: FTS5's ingest is timed with the texts given.
    let reader = BufReader::new(fs::File::open(&args.input)?);
    let rows: Vec<Row> = reader.lines().map(|line| serde_json::from_str(&line.expect("read")).unwrap_or_else(|e| fail(&format!("bad row: {e}")))).collect();

    let mut writer: IndexWriter = match args.threads {
        Some(n) => index.writer_with_num_threads(n, args.heap_bytes)?,
        None => index.writer(args.heap_bytes)?,
    };
    let t0 = Instant::now();
    let mut commits = 0usize;
    for (i, row) in rows.iter().enumerate() {
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.ts, row.ts);
        doc.add_i64(f.day, row.day);
        if let Some(level) = row.level {
            doc.add_i64(f.level, level);
        }
        add_text(&mut doc, f.full_log, &row.full_log);
        add_text(&mut doc, f.comment, &row.comment);
        add_text(&mut doc, f.extra, &row.extra);
        add_text(&mut doc, f.missing, &row.missing);
        writer.add_document(doc)?;
        if (i + 1) % args.commit_every == 0 {
            writer.commit()?;
            commits += 1;
        }
    }
    writer.commit()?;
    commits += 1;
    let ingest_ms = millis(t0);
    // The merges the default policy started during ingest, waited for apart: background work.
    let t1 = Instant::now();
    writer.wait_merging_threads()?;
    let background_merge_ms = millis(t1);
    let segments_written = index.searchable_segment_ids()?.len();
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 64 << 20)?;
    // Files of segments merged away are removed by a collection; what is left is the index as written.
    writer.garbage_collect_files().wait()?;
    let bytes_written = dir_bytes(dir);

    let t2 = Instant::now();
    let ids = index.searchable_segment_ids()?;
    if ids.len() > 1 {
        writer.merge(&ids).wait()?;
    }
    writer.garbage_collect_files().wait()?;
    writer.wait_merging_threads()?;
    let merge_ms = millis(t2);
    let bytes_merged = dir_bytes(dir);

    let out = json!({
        "docs": rows.len(),
        "threads": writer_threads(args.threads),
        "commits": commits,
        "ingestMs": ingest_ms,
        "backgroundMergeMs": background_merge_ms,
        "segmentsWritten": segments_written,
        "bytesWritten": bytes_written,
        "mergeMs": merge_ms,
        "bytesMerged": bytes_merged,
    });
    Ok((index, out))

}

/// Bytes per part of the index (summed over segments), to see where they go.
fn space_usage(searcher: &tantivy::Searcher) -> tantivy::Result<serde_json::Value> {
    let usage = searcher.space_usage()?;
    let mut parts: BTreeMap<String, u64> = BTreeMap::new();
    for segment in usage.segments() {
        for (name, per_field) in [("termdict", segment.termdict()), ("postings", segment.postings()), ("positions", segment.positions()), ("fast_fields", segment.fast_fields()), ("fieldnorms", segment.fieldnorms())] {
            for field in per_field.fields() {
                *parts.entry(format!("{name}.{}", field.field_name())).or_insert(0) += field.total().get_bytes();
            }
        }
        *parts.entry("store".into()).or_insert(0) += segment.store().total().get_bytes();
    }
    Ok(json!(parts))
}

fn writer_threads(threads: Option<usize>) -> serde_json::Value {
    match threads {
        Some(n) => json!(n),
        None => json!(format!("default ({} cores)", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))),
    }
}
