//! Criterion benches of the hot paths (DESIGN.md §17): ingest of each input format (codex
//! JSONL with large `aggregated_output`s, joblog, batch script, validation report), classify,
//! decide on a 200 x 50 run built in code, snapshot of a small tree (first and unchanged),
//! and diff of two 100,000-line texts.
//!
//! Whole commands against the tools a user would otherwise reach for are timed by
//! `scripts/bench.sh`, which writes BENCHMARKS.md.
//!
//! Not here yet: rendering of the TUI's main screens (first frame, frame with 100,000 jobs).
//! The TUI is being written separately; its render benches belong here once its views exist,
//! measured with ratatui's `TestBackend` (no terminal needed).
//!
//! Run: `cargo bench --bench hot_paths` (or `-- ingest` for one group).

#[allow(dead_code)]
#[path = "../src/bin/gen-run/synth.rs"]
mod synth;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use recover_tui::core::classify::Classifier;
use recover_tui::core::cost::Prices;
use recover_tui::core::decide::{self, History, Overrides, Thresholds};
use recover_tui::core::ingest::{codex_json, joblog, script, validation};
use recover_tui::core::model::{Batch, Finding, Job, JobResult, Prompt, Run, Status, SystemClock, TokenUsage};
use recover_tui::store::diff::diff_bytes;
use recover_tui::store::snapshot::{self, SnapshotMeta};
use recover_tui::store::StateDir;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;
use synth::{JobSpec, OutputPool, Rng};

const PROJECT: &str = "/home/dev/apps/genproj";

/// One job's codex stream of about `bytes`, as gen-run writes it.
fn codex_stream(bytes: u64, fails: bool) -> Vec<u8> {
    let mut rng = Rng::new(42);
    let pool = OutputPool::new(&mut rng, 2 << 20);
    let spec =
        JobSpec { batch: 3, job: 7, outputs: synth::outputs_of(3, 7, 2), imports: vec![synth::module_of(2, 1)], fails };
    let mut out = Vec::with_capacity(bytes as usize + (1 << 20));
    let _ = synth::write_stream(&mut out, &mut rng, &pool, &spec, PROJECT, bytes);
    out
}

fn bench_ingest(c: &mut Criterion) {
    let mut g = c.benchmark_group("ingest");
    // A 32 MB stream: repeated item.updated lines with outputs growing to ~1 MiB.
    let big = codex_stream(32_000_000, true);
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.sample_size(20);
    g.bench_function("codex_json 32MB stream", |b| {
        b.iter(|| codex_json::read(black_box(&big[..]), "b3-j7.jsonl").map(|l| l.lines))
    });
    // Small streams are the common case of a plan over many jobs.
    let small = codex_stream(0, false);
    g.throughput(Throughput::Bytes(small.len() as u64));
    g.sample_size(50);
    g.bench_function("codex_json small stream", |b| {
        b.iter(|| codex_json::parse(black_box(&small), "b3-j7.jsonl").lines)
    });

    let mut rng = Rng::new(5);
    let jobs = synth::plan_jobs(&mut rng, 4, 50, 1, Some(4));
    let batch: Vec<&JobSpec> = jobs.iter().filter(|j| j.batch == 4).collect();

    let mut log = String::from(synth::JOBLOG_HEADER);
    for (i, j) in batch.iter().enumerate() {
        log += &synth::joblog_row(i + 1, 1_795_467_326.0 + i as f64, 12.5, &synth::joblog_command(PROJECT, j));
    }
    g.throughput(Throughput::Bytes(log.len() as u64));
    g.bench_function("joblog 50 rows", |b| {
        b.iter(|| joblog::parse(black_box(log.as_bytes()), "joblog-batch4.tsv").jobs().len())
    });

    let script_text = synth::batch_script(4, PROJECT, &batch);
    g.throughput(Throughput::Bytes(script_text.len() as u64));
    g.bench_function("batch script 50 jobs", |b| {
        b.iter(|| {
            script::parse(black_box(&script_text), "phase1-codex-batch4.sh", "phase1-codex-batch4.sh", &[])
                .batches
                .len()
        })
    });

    let mut report = synth::validation_report(4, &batch);
    report += PYTEST_OUTPUT;
    g.throughput(Throughput::Bytes(report.len() as u64));
    g.bench_function("validation report 50 files + pytest", |b| {
        b.iter(|| validation::parse(black_box(&report), "batch4-validation.md").findings.len())
    });
    g.finish();
}

const PYTEST_OUTPUT: &str = "
==================================== ERRORS ====================================
__________________ ERROR collecting app/b4/test_j2.py ___________________
ImportError while importing test module '/home/dev/apps/genproj/app/b4/test_j2.py'.
Traceback:
app/b4/test_j2.py:1: in <module>
    from app.b3.helpers import Helper
E   ModuleNotFoundError: No module named 'app.b3.helpers'
=================================== FAILURES ===================================
_________________________________ test_enqueue _________________________________
    def test_enqueue():
>       assert handle_enqueue({}) == {\"ok\": True}
E       AssertionError: assert {'ok': False} == {'ok': True}
app/b4/test_j5.py:12: AssertionError
=========================== short test summary info ============================
FAILED app/b4/test_j5.py::test_enqueue - AssertionError: assert {'ok': False} == {'ok': True}
ERROR app/b4/test_j2.py
1 failed, 1 error in 0.31s
";

fn bench_classify(c: &mut Criterion) {
    let classifier = match Classifier::with_extra(&[]) {
        Ok(c) => c,
        Err(e) => panic!("built-in rules: {e}"),
    };
    let samples: &[(&str, &str)] = &[
        ("ModuleNotFoundError", "No module named 'app.b3.helpers'"),
        ("SyntaxError", "invalid syntax (line 47)"),
        ("AssertionError", "assert {'ok': False} == {'ok': True}"),
        ("", "stream error: rate limit reached; retrying in 20s"),
        ("E0432", "unresolved import `crate::lexer::Token`"),
        ("TS2307", "Cannot find module './api' or its corresponding type declarations."),
        ("agent_error", "turn aborted: context window exceeded"),
        ("exit_status", "exited with status 1: Not inside a trusted directory"),
    ];
    c.bench_function("classify 8 findings", |b| {
        b.iter(|| {
            samples.iter().map(|(t, m)| classifier.classify(black_box(t), black_box(m)).0.as_str().len()).sum::<usize>()
        })
    });
}

/// A 200-batch x 50-job run built in code: prompts that import earlier batches' modules, one
/// failed job in batch 120 (ModuleNotFoundError), later batches not run.
fn run_200x50() -> Run {
    let mut rng = Rng::new(9);
    let specs = synth::plan_jobs(&mut rng, 200, 50, 1, Some(120));
    let mut batches: Vec<Batch> =
        (1..=200).map(|n| Batch { number: n, name: format!("Batch {n}"), ..Batch::default() }).collect();
    for s in &specs {
        let ran = s.batch <= 120;
        let mut result = JobResult::default();
        if ran {
            result.status = if s.fails { Status::Failed } else { Status::Passed };
            result.tokens =
                TokenUsage { input: rng.range(10_000, 40_000), cached_input: 0, output: rng.range(400, 3_000) };
            result.duration_s = Some(rng.range(20, 600) as f64);
            if s.fails {
                result.findings.push(Finding {
                    file: Some(s.outputs[0].clone()),
                    line: None,
                    error_type: "ModuleNotFoundError".into(),
                    message: format!("No module named '{}'", s.missing_module()),
                    source: format!("_build/logs/phase1/batch{}-validation.md:3", s.batch),
                    class: Some("import".into()),
                });
            }
        }
        let job = Job {
            id: s.name(),
            batch: s.batch,
            outputs: s.outputs.clone(),
            prompt: Some(Prompt { text: synth::prompt(s), source: format!("phase1-codex-batch{}.sh:8", s.batch) }),
            command: vec!["codex".into(), "exec".into(), "--full-auto".into(), "--json".into()],
            validate: vec![vec!["python".into(), "-m".into(), "py_compile".into(), s.outputs[0].clone()]],
            result,
            matched_by: if ran { vec![format!("validated by batch{}-validation.md", s.batch)] } else { vec![] },
        };
        batches[(s.batch - 1) as usize].jobs.push(job);
    }
    Run { id: "genproj".into(), title: "Genproj Phase 1".into(), batches, ..Run::default() }
}

fn bench_decide(c: &mut Criterion) {
    let run = run_200x50();
    let (history, overrides) = (History::default(), Overrides::default());
    let mut g = c.benchmark_group("decide");
    g.sample_size(20);
    g.bench_function("deps::infer 200x50", |b| {
        b.iter(|| recover_tui::core::deps::infer(black_box(&run), &Default::default()).edges.len())
    });
    g.bench_function("decide 200x50", |b| {
        b.iter(|| {
            let input = decide::Input {
                run: black_box(&run),
                history: &history,
                thresholds: Thresholds::default(),
                overrides: &overrides,
                prices: Prices::default(),
                outputs: &Default::default(),
            };
            decide::decide(&input).map(|d| d.rerun_jobs.len())
        })
    });
    g.finish();
}

/// A project with `n` files of `kb` KiB under `app/`, old enough for the stat cache.
fn small_tree(n: usize, kb: usize) -> tempfile::TempDir {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let mut rng = Rng::new(3);
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    for i in 0..n {
        let rel = format!("app/b{}/j{}_0.py", i / 50 + 1, i % 50 + 1);
        let p = dir.path().join(&rel);
        if let Some(parent) = p.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let body = synth::source_file(&mut rng, &rel, &[], kb * 1024);
        let _ = std::fs::write(&p, body);
        let _ = std::fs::File::options().write(true).open(&p).and_then(|f| f.set_modified(old));
    }
    dir
}

fn open_state(project: &Path, state: &Path) -> StateDir {
    match StateDir::open(state, project, &SystemClock) {
        Ok(sd) => sd,
        Err(e) => panic!("state dir: {e}"),
    }
}

fn bench_snapshot(c: &mut Criterion) {
    let project = small_tree(500, 16);
    let paths = vec!["app".to_string()];
    let meta = || SnapshotMeta { reason: "bench".into(), ..SnapshotMeta::default() };
    let mut g = c.benchmark_group("snapshot");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(500 * 16 * 1024));
    g.bench_function("first snapshot 500 files x 16 KiB", |b| {
        b.iter_batched(
            || {
                let state = project.path().join(".recover-first");
                let _ = std::fs::remove_dir_all(&state);
                open_state(project.path(), &state)
            },
            |sd| {
                let n = snapshot::take(&sd, &paths, meta(), &SystemClock).map(|m| m.files.len());
                (sd, n)
            },
            BatchSize::PerIteration,
        )
    });
    let sd = open_state(project.path(), &project.path().join(".recover"));
    let _ = snapshot::take(&sd, &paths, meta(), &SystemClock);
    g.bench_function("re-snapshot unchanged 500 files", |b| {
        b.iter(|| snapshot::take(&sd, &paths, meta(), &SystemClock).map(|m| m.files.len()))
    });
    g.finish();
}

/// Two versions of a 100,000-line file: about 1% of lines changed, some deleted and inserted.
fn diff_pair() -> (Vec<u8>, Vec<u8>) {
    let mut rng = Rng::new(11);
    let (mut old, mut new) = (String::new(), String::new());
    for i in 1..=100_000u32 {
        let line = format!("def handle_{i}(payload):  # {:08x}\n", rng.next_u64() as u32);
        old += &line;
        match i {
            _ if i % 97 == 0 => new += &format!("def handle_{i}(payload, extra=None):  # changed\n"),
            _ if i % 1009 == 0 => {}
            _ if i % 1511 == 0 => {
                new += &line;
                new += "    # inserted line\n";
            }
            _ => new += &line,
        }
    }
    (old.into_bytes(), new.into_bytes())
}

fn bench_diff(c: &mut Criterion) {
    let (old, new) = diff_pair();
    let mut g = c.benchmark_group("diff");
    g.sample_size(10);
    g.throughput(Throughput::Bytes((old.len() + new.len()) as u64));
    g.bench_function("diff_bytes 100k lines", |b| {
        b.iter(|| diff_bytes(black_box(&old), black_box(&new), "a/x.py", "b/x.py", Duration::from_secs(60)).changed())
    });
    g.finish();
}

criterion_group!(benches, bench_ingest, bench_classify, bench_decide, bench_snapshot, bench_diff);
criterion_main!(benches);
