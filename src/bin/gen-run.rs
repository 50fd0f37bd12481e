//! `gen-run`: write a large, realistic, deterministic synthetic run for the benchmarks.
//!
//! ```text
//! gen-run OUT --batches 20 --jobs 10 --log-mb 10 --files 1 --file-kb 4 --fail-batch 20 --seed 1
//! ```
//!
//! Layout (like the sparkq-phase6 fixture; `--joblog` gives the notes-joblog form instead):
//!
//! ```text
//! OUT/pyproject.toml
//! OUT/app/b<B>/j<J>_<k>.py                       outputs (K files of S KiB per job that ran)
//! OUT/_build/prompts-build/phase1-codex-batch<B>.sh   one `codex exec ... &` per job, then `wait`
//! OUT/_build/logs/phase1/b<B>-j<J>.jsonl / .err  codex exec --json streams, empty stderr
//! OUT/_build/logs/phase1/batch<B>-validation.md  Haiku validation report
//! ```
//!
//! With `--fail-batch B`, one job of batch B fails validation (ModuleNotFoundError) and the
//! batches after B have not run (scripts only), as when a phase stops at a failed batch.
//! `--log-mb` gives streams of large growing `aggregated_output`s (the ingest benchmark);
//! `--log-kb` gives the small streams of short generation jobs (a few KB: reads of the
//! imported modules, the file change with its diff, py_compile, pytest).
//!
//! `--joblog-rows N` writes only one large GNU parallel joblog instead,
//! `OUT/_build/joblog-batch1.tsv`: N rows over `--joblog-jobs D` Seqs (D <= N; N / D appended
//! runs of the whole command list, `parallel --joblog +FILE`, rows of a run in completion
//! order), every row exit 0 except the middle row of the file, whose job failed (Exitval 1)
//! and was not run again after it (so its failure is seen only by a reader that reads the
//! middle of the file).
//!
//! Prints a JSON summary (bytes and file counts) on stdout.

#[path = "gen-run/synth.rs"]
mod synth;

use clap::Parser;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use synth::{JobSpec, OutputPool, Rng};

#[derive(Debug, Parser)]
#[command(
    name = "gen-run",
    about = "Write a large synthetic run (batch scripts, codex JSONL logs, validation reports, outputs)"
)]
struct Args {
    /// Directory to write (created; must be empty or absent).
    out: PathBuf,
    #[arg(long, default_value_t = 5)]
    batches: u32,
    #[arg(long, default_value_t = 4)]
    jobs: u32,
    /// Approximate size of each job's codex JSONL stream, in MB (0 = a minimal stream).
    #[arg(long, default_value_t = 1.0)]
    log_mb: f64,
    /// Small streams instead: approximate size of each job's stream in KB (10^3 bytes), shaped
    /// like a short generation job's (no growing outputs). Overrides --log-mb.
    #[arg(long)]
    log_kb: Option<f64>,
    /// Output files per job.
    #[arg(long, default_value_t = 1)]
    files: u32,
    /// Size of each output file, in KiB.
    #[arg(long, default_value_t = 4)]
    file_kb: u64,
    /// One job of this batch fails validation; later batches have not run.
    #[arg(long)]
    fail_batch: Option<u32>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// GNU parallel form: runner scripts, .cmds, prompt files and joblogs instead of bash `&` scripts.
    #[arg(long)]
    joblog: bool,
    /// The project path the scripts name (`-C`), as on the machine that ran the batch.
    #[arg(long, default_value = "/home/dev/apps/genproj")]
    project: String,
    /// Write only one large joblog of this many rows (see above); other options but
    /// --joblog-jobs, --seed and --project are ignored.
    #[arg(long)]
    joblog_rows: Option<u64>,
    /// Distinct jobs (Seqs) of the large joblog; rows / jobs runs are appended.
    #[arg(long, default_value_t = 10_000)]
    joblog_jobs: u64,
}

fn main() {
    let args = Args::parse();
    if let Err(e) = generate(&args) {
        eprintln!("gen-run: {e}");
        std::process::exit(1);
    }
}

#[derive(Default)]
struct Totals {
    log_bytes: u64,
    log_files: u64,
    output_files: u64,
    output_bytes: u64,
    jobs_run: u64,
}

fn generate(a: &Args) -> Result<(), String> {
    if let Some(rows) = a.joblog_rows {
        return big_joblog(a, rows);
    }
    if a.batches == 0 || a.jobs == 0 {
        return Err("--batches and --jobs must be at least 1".into());
    }
    if !a.log_mb.is_finite() || a.log_mb < 0.0 {
        return Err("--log-mb must be a number >= 0".into());
    }
    if a.log_kb.is_some_and(|k| !k.is_finite() || k <= 0.0) {
        return Err("--log-kb must be a number > 0".into());
    }
    if let Some(b) = a.fail_batch {
        if b == 0 || b > a.batches {
            return Err(format!("--fail-batch {b} is not a batch of 1..={}", a.batches));
        }
    }
    if a.out.exists() && std::fs::read_dir(&a.out).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(format!("{}: exists and is not empty", a.out.display()));
    }
    let mut rng = Rng::new(a.seed);
    let jobs = synth::plan_jobs(&mut rng, a.batches, a.jobs, a.files, a.fail_batch);
    let pool = OutputPool::new(&mut rng, 2 << 20);
    let last_run = a.fail_batch.unwrap_or(a.batches);
    let target = (a.log_mb * 1_000_000.0) as u64;
    let out = &a.out;
    let mut t = Totals::default();

    write(out, "pyproject.toml", b"[project]\nname = \"genproj\"\nversion = \"0.1.0\"\n")?;
    write(out, "app/__init__.py", b"")?;
    let log_dir = if a.joblog { "_build/logs" } else { synth::LOG_DIR };
    for b in 1..=a.batches {
        let batch_jobs: Vec<&JobSpec> = jobs.iter().filter(|j| j.batch == b).collect();
        if a.joblog {
            write_joblog_batch(out, a, b, &batch_jobs, b <= last_run, &mut rng)?;
        } else {
            let script = synth::batch_script(b, &a.project, &batch_jobs);
            write(out, &format!("{}/phase1-codex-batch{b}.sh", synth::SCRIPT_DIR), script.as_bytes())?;
        }
        if b > last_run {
            continue;
        }
        write(out, &format!("app/b{b}/__init__.py"), b"")?;
        for j in &batch_jobs {
            let rel = format!("{log_dir}/{}.jsonl", j.name());
            let path = create_parent(out, &rel)?;
            let f = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut w = BufWriter::with_capacity(1 << 20, f);
            let written = match a.log_kb {
                Some(kb) => synth::write_small_stream(&mut w, &mut rng, j, &a.project, (kb * 1000.0) as u64),
                None => synth::write_stream(&mut w, &mut rng, &pool, j, &a.project, target),
            };
            t.log_bytes +=
                written.and_then(|n| w.flush().map(|_| n)).map_err(|e| format!("{}: {e}", path.display()))?;
            t.log_files += 1;
            write(out, &format!("{log_dir}/{}.err", j.name()), b"")?;
            for o in &j.outputs {
                let body = synth::source_file(&mut rng, o, &j.imports, (a.file_kb * 1024) as usize);
                t.output_bytes += body.len() as u64;
                t.output_files += 1;
                write(out, o, &body)?;
            }
            t.jobs_run += 1;
        }
        let report = synth::validation_report(b, &batch_jobs);
        write(out, &format!("{log_dir}/batch{b}-validation.md"), report.as_bytes())?;
    }
    println!(
        "{{\"batches\":{},\"jobs\":{},\"jobs_run\":{},\"log_files\":{},\"log_bytes\":{},\"output_files\":{},\"output_bytes\":{}}}",
        a.batches,
        jobs.len(),
        t.jobs_run,
        t.log_files,
        t.log_bytes,
        t.output_files,
        t.output_bytes
    );
    Ok(())
}

/// Runner script, command list, prompt files and (when the batch ran) the joblog.
fn write_joblog_batch(out: &Path, a: &Args, b: u32, jobs: &[&JobSpec], ran: bool, rng: &mut Rng) -> Result<(), String> {
    write(out, &format!("_build/run-batch{b}.sh"), synth::joblog_runner(b, &a.project).as_bytes())?;
    let mut cmds = String::new();
    for j in jobs {
        cmds += &synth::joblog_command(&a.project, j);
        cmds.push('\n');
        write(out, &format!("_build/prompts/{}.md", j.name()), synth::prompt(j).as_bytes())?;
    }
    write(out, &format!("_build/batch{b}.cmds"), cmds.as_bytes())?;
    if !ran {
        return Ok(());
    }
    // Rows in completion order: shuffle the finish times.
    let base = 1_795_467_326.0 + f64::from(b) * 3600.0;
    let mut rows: Vec<(f64, String)> = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let start = base + i as f64 * 0.003;
            let runtime = rng.range(20_000, 600_000) as f64 / 1000.0;
            (start + runtime, synth::joblog_row(i + 1, start, runtime, &synth::joblog_command(&a.project, j)))
        })
        .collect();
    rows.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut log = String::from(synth::JOBLOG_HEADER);
    for (_, r) in rows {
        log += &r;
    }
    write(out, &format!("_build/joblog-batch{b}.tsv"), log.as_bytes())
}

/// The large joblog (`--joblog-rows`): rows / jobs appended runs of the same command list,
/// each in completion order (a shuffle of the Seqs); the row in the middle of the file failed
/// and its job does not appear after it.
fn big_joblog(a: &Args, rows: u64) -> Result<(), String> {
    let jobs = a.joblog_jobs;
    if rows == 0 || jobs == 0 || jobs > rows {
        return Err(format!("--joblog-rows {rows} --joblog-jobs {jobs}: need 1 <= jobs <= rows"));
    }
    if jobs > u32::MAX as u64 {
        return Err("--joblog-jobs is too large".into());
    }
    if a.out.exists() && std::fs::read_dir(&a.out).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(format!("{}: exists and is not empty", a.out.display()));
    }
    let rel = "_build/joblog-batch1.tsv";
    let path = create_parent(&a.out, rel)?;
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let f = std::fs::File::create(&path).map_err(err)?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    let mut rng = Rng::new(a.seed);
    w.write_all(synth::JOBLOG_HEADER.as_bytes()).map_err(err)?;
    let mut bytes = synth::JOBLOG_HEADER.len() as u64;
    let middle = rows / 2; // 0-based row index of the failed row
    let mut failed: Option<(u64, u64)> = None; // (seq, line)
    let mut order: Vec<u32> = (1..=jobs as u32).collect();
    let mut written = 0u64;
    let mut run = 0u64;
    let mut commands: Vec<Option<String>> = vec![None; jobs as usize + 1];
    while written < rows {
        // A shuffle of the Seqs: the order the jobs of this run completed in.
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let run_start = 1_795_467_326.0 + run as f64 * 86_400.0;
        for (k, &seq) in order.iter().enumerate() {
            if written == rows {
                break;
            }
            if failed.is_some_and(|(s, _)| s == u64::from(seq)) {
                continue;
            }
            let cmd = commands[seq as usize].get_or_insert_with(|| {
                let spec = JobSpec { batch: 1, job: seq, outputs: Vec::new(), imports: Vec::new(), fails: false };
                synth::joblog_command(&a.project, &spec)
            });
            let runtime = rng.range(20_000, 600_000) as f64 / 1000.0;
            let end = run_start + 600.0 + k as f64 * 0.25;
            let exit = if written == middle {
                failed = Some((u64::from(seq), written + 2));
                1
            } else {
                0
            };
            let row = synth::joblog_row_exit(seq as usize, end - runtime, runtime, exit, cmd);
            w.write_all(row.as_bytes()).map_err(err)?;
            bytes += row.len() as u64;
            written += 1;
        }
        run += 1;
    }
    w.flush().map_err(err)?;
    let (failed_seq, failed_line) = failed.unwrap_or((0, 0));
    println!(
        "{{\"joblog\":\"{rel}\",\"joblog_bytes\":{bytes},\"rows\":{written},\"jobs\":{jobs},\"runs\":{run},\"failed_seq\":{failed_seq},\"failed_line\":{failed_line},\"failed_log\":\"_build/logs/b1-j{failed_seq}.jsonl\"}}"
    );
    Ok(())
}

fn create_parent(out: &Path, rel: &str) -> Result<PathBuf, String> {
    let path = out.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    Ok(path)
}

fn write(out: &Path, rel: &str, bytes: &[u8]) -> Result<(), String> {
    let path = create_parent(out, rel)?;
    let mut f = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::synth::{OutputPool, Rng};
    use super::{generate, Args};
    use recover_tui::core::ingest::discover::LoadOptions;
    use recover_tui::core::model::Status;

    fn args(out: &std::path::Path, joblog: bool) -> Args {
        Args {
            out: out.to_path_buf(),
            batches: 3,
            jobs: 4,
            log_mb: 0.2,
            log_kb: None,
            files: 2,
            file_kb: 1,
            fail_batch: Some(2),
            seed: 9,
            joblog,
            project: "/home/dev/apps/genproj".into(),
            joblog_rows: None,
            joblog_jobs: 10_000,
        }
    }

    fn tree(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push((p.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn same_seed_same_run_and_it_loads_with_the_failure_found() {
        for joblog in [false, true] {
            let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            generate(&args(a.path(), joblog)).unwrap();
            generate(&args(b.path(), joblog)).unwrap();
            assert!(tree(a.path()) == tree(b.path()), "deterministic for a seed");
            let run = recover_tui::scan::load(a.path(), &LoadOptions::default()).unwrap();
            assert_eq!(run.batches.len(), 3);
            assert!(run.jobs().all(|j| j.prompt.is_some() && j.outputs.len() == 2), "{:#?}", run.warnings);
            let failed: Vec<_> = run.jobs().filter(|j| j.result.status == Status::Failed).collect();
            assert_eq!(failed.len(), 1, "joblog={joblog}: {:#?}", run.warnings);
            assert_eq!(failed[0].batch, 2);
            assert!(failed[0].result.findings.iter().any(|f| f.error_type == "ModuleNotFoundError"));
            assert!(run.batches[2].jobs.iter().all(|j| j.result.status == Status::NotRun));
            assert!(run.batches[0].jobs.iter().all(|j| j.result.status == Status::Passed));
        }
    }

    #[test]
    fn small_logs_have_about_the_size_asked_and_the_run_loads_with_the_failure_found() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = args(dir.path(), false);
        a.jobs = 6;
        a.log_kb = Some(9.0);
        generate(&a).unwrap();
        let logs = dir.path().join(super::synth::LOG_DIR);
        let mut sizes = Vec::new();
        for e in std::fs::read_dir(&logs).unwrap().flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "jsonl") {
                let text = std::fs::read_to_string(&p).unwrap();
                for line in text.lines() {
                    let v: serde_json::Value =
                        serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                    assert!(v["type"].is_string());
                }
                assert!(text.starts_with("{\"type\":\"thread.started\""));
                assert!(text.lines().last().unwrap().starts_with("{\"type\":\"turn.completed\""));
                sizes.push(text.len());
            }
        }
        assert_eq!(sizes.len(), 12, "batches 1 and 2 ran");
        assert!(sizes.iter().all(|&n| (7_000..=9_500).contains(&n)), "{sizes:?}");
        let run = discover::load(dir.path(), &LoadOptions::default()).unwrap();
        let failed: Vec<_> = run.jobs().filter(|j| j.result.status == Status::Failed).collect();
        assert_eq!(failed.len(), 1, "{:#?}", run.warnings);
        assert_eq!(failed[0].batch, 2);
        assert!(run.batches[0].jobs.iter().all(|j| j.result.status == Status::Passed));
    }

    #[test]
    fn big_joblog_fails_only_in_its_middle_row() {
        for (rows, jobs) in [(1_000u64, 100u64), (501, 501)] {
            let dir = tempfile::tempdir().unwrap();
            let mut a = args(dir.path(), true);
            a.joblog_rows = Some(rows);
            a.joblog_jobs = jobs;
            generate(&a).unwrap();
            let bytes = std::fs::read(dir.path().join("_build/joblog-batch1.tsv")).unwrap();
            let log = recover_tui::core::ingest::joblog::parse(&bytes, "joblog");
            assert!(log.had_header && log.warnings.is_empty());
            assert_eq!(log.rows_read as u64, rows);
            assert_eq!(log.rows.len() as u64, jobs);
            let failed: Vec<_> = log.jobs().into_iter().filter(|j| j.last.exitval != 0).collect();
            assert_eq!(failed.len(), 1);
            // Header on line 1: the middle row (index rows / 2) is on line rows / 2 + 2.
            assert_eq!(failed[0].last.line as u64, rows / 2 + 2);
            assert!(failed[0].last.command.contains(&format!("b1-j{}.jsonl", failed[0].seq)));
            let dir2 = tempfile::tempdir().unwrap();
            a.out = dir2.path().to_path_buf();
            generate(&a).unwrap();
            assert!(tree(dir.path()) == tree(dir2.path()), "deterministic for a seed");
        }
    }

    #[test]
    fn pool_slices_are_whole_escaped_lines() {
        let mut rng = Rng::new(7);
        let pool = OutputPool::new(&mut rng, 64 << 10);
        for (first, len) in [(0, 1), (3, 1000), (10, 20_000)] {
            let s = pool.slice(first, len);
            assert!(s.ends_with("\\n"));
            let json = format!("\"{s}\"");
            assert!(serde_json::from_str::<String>(&json).is_ok());
        }
    }
}
