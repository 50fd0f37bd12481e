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
    if a.batches == 0 || a.jobs == 0 {
        return Err("--batches and --jobs must be at least 1".into());
    }
    if !a.log_mb.is_finite() || a.log_mb < 0.0 {
        return Err("--log-mb must be a number >= 0".into());
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
            t.log_bytes += synth::write_stream(&mut w, &mut rng, &pool, j, &a.project, target)
                .and_then(|n| w.flush().map(|_| n))
                .map_err(|e| format!("{}: {e}", path.display()))?;
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
            files: 2,
            file_kb: 1,
            fail_batch: Some(2),
            seed: 9,
            joblog,
            project: "/home/dev/apps/genproj".into(),
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
