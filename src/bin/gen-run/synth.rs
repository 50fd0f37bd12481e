//! Deterministic synthetic content for large realistic runs: `codex exec --json` streams with
//! growing `aggregated_output`s, playbook prompts, batch scripts, joblogs, Haiku validation
//! reports and generated source files (formats/README.md §1, §5, §6, §7).
//!
//! Used by the `gen-run` binary and included by the criterion benches (`benches/hot_paths.rs`).

use std::io::{self, Write};

/// xorshift64*: tiny, deterministic, good enough for synthetic data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Never zero (xorshift's fixed point); mix the seed so 1, 2, 3 ... differ a lot.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03 | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n` > 0; 0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// `0199a648-8a9a-7025-f06c-6196e1988ad9`
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            (a & 0xfff) as u16,
            (b >> 48) as u16,
            b & 0xffff_ffff_ffff
        )
    }
}

/// Command output as it appears inside a JSON string: lines already JSON-escaped, each ending
/// with the two characters `\n`. Prefixes are cut on line boundaries, so every slice is a valid
/// JSON string body.
pub struct OutputPool {
    text: String,
    /// Byte offset of the start of every line, plus the end.
    starts: Vec<usize>,
}

impl OutputPool {
    /// About `bytes` of pytest / pip / traceback-like output.
    pub fn new(rng: &mut Rng, bytes: usize) -> OutputPool {
        let mut text = String::with_capacity(bytes + 256);
        let mut starts = vec![0];
        let mut n = 0u64;
        while text.len() < bytes {
            n += 1;
            let line = match rng.below(12) {
                0 => format!(
                    "tests/test_mod_{:03}.py::test_case_{:04} PASSED{:>30}",
                    rng.below(200),
                    n % 10_000,
                    format!("[{:>3}%]", n % 101)
                ),
                1 => format!(
                    "  File \"/home/dev/apps/genproj/app/b{}/j{}_0.py\", line {}, in handle",
                    rng.range(1, 200),
                    rng.range(1, 50),
                    rng.range(1, 400)
                ),
                2 => "\tat module.function (internal/process.js:12:5)".to_string(),
                3 => format!(
                    "Collecting package-{} (from -r requirements.txt (line {}))",
                    rng.below(900),
                    rng.range(1, 40)
                ),
                4 => format!(
                    "  Downloading package_{}-1.{}.{}-py3-none-any.whl ({} kB)",
                    rng.below(900),
                    rng.below(20),
                    rng.below(10),
                    rng.range(10, 900)
                ),
                5 => "============================= test session starts ==============================".to_string(),
                6 => format!(
                    "app/b{}/j{}_0.py:{}: note: \"Helper\" defined here \\ see docs",
                    rng.range(1, 200),
                    rng.range(1, 50),
                    rng.range(1, 300)
                ),
                7 => format!(
                    "{} passed, {} warnings in {}.{:02}s",
                    rng.below(500),
                    rng.below(20),
                    rng.below(30),
                    rng.below(100)
                ),
                8 => "    assert result == expected, f\"unexpected {result!r}\"".to_string(),
                9 => format!(
                    "Compiling crate_{} v0.{}.{} (/home/dev/apps/genproj)",
                    rng.below(99),
                    rng.below(9),
                    rng.below(9)
                ),
                10 => String::new(),
                _ => format!("DEBUG worker={} step={} elapsed_ms={}", rng.below(8), n, rng.below(100_000)),
            };
            push_escaped(&mut text, &line);
            text.push_str("\\n");
            starts.push(text.len());
        }
        OutputPool { text, starts }
    }

    /// Number of lines.
    pub fn lines(&self) -> usize {
        self.starts.len() - 1
    }

    /// Lines `first..` up to about `max_bytes` (at least one line), as escaped JSON text.
    pub fn slice(&self, first: usize, max_bytes: usize) -> &str {
        let first = first.min(self.lines().saturating_sub(1));
        let from = self.starts[first];
        let want = from + max_bytes.max(1);
        let end = match self.starts.binary_search(&want) {
            Ok(i) => self.starts[i],
            Err(i) => self.starts[i.min(self.starts.len() - 1)],
        };
        let end = end.max(self.starts[(first + 1).min(self.starts.len() - 1)]);
        &self.text[from..end]
    }
}

/// Append `s` as the body of a JSON string.
pub fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_escaped(&mut out, s);
    out
}

/// One job of a synthetic run.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub batch: u32,
    pub job: u32,
    /// Output paths relative to the project root.
    pub outputs: Vec<String>,
    /// Earlier jobs' modules this job imports (`app.b1.j3_0`).
    pub imports: Vec<String>,
    /// It fails validation (ModuleNotFoundError in the batch's report).
    pub fails: bool,
}

impl JobSpec {
    /// `b3-j12`: the log file stem, which becomes the job id.
    pub fn name(&self) -> String {
        format!("b{}-j{}", self.batch, self.job)
    }

    /// The module the failing job's import names, which no job writes.
    pub fn missing_module(&self) -> String {
        if self.batch > 1 {
            format!("app.b{}.helpers", self.batch - 1)
        } else {
            "app.helpers".to_string()
        }
    }
}

/// Output paths of job `job` of batch `batch` writing `files` files.
pub fn outputs_of(batch: u32, job: u32, files: u32) -> Vec<String> {
    (0..files.max(1)).map(|k| format!("app/b{batch}/j{job}_{k}.py")).collect()
}

/// The module form of a job's first output.
pub fn module_of(batch: u32, job: u32) -> String {
    format!("app.b{batch}.j{job}_0")
}

/// Every job of an N x M run: outputs, imports of earlier batches (one from the previous
/// batch, sometimes one more from any earlier batch), the failing job.
pub fn plan_jobs(rng: &mut Rng, batches: u32, jobs: u32, files: u32, fail_batch: Option<u32>) -> Vec<JobSpec> {
    let mut out = Vec::with_capacity((batches * jobs) as usize);
    for b in 1..=batches {
        let failing_job = if fail_batch == Some(b) { Some(rng.range(1, jobs as u64) as u32) } else { None };
        for j in 1..=jobs {
            let mut imports = Vec::new();
            if b > 1 {
                imports.push(module_of(b - 1, rng.range(1, jobs as u64) as u32));
                if b > 2 && rng.chance(1, 3) {
                    imports.push(module_of(rng.range(1, (b - 2) as u64) as u32, rng.range(1, jobs as u64) as u32));
                }
            }
            out.push(JobSpec {
                batch: b,
                job: j,
                outputs: outputs_of(b, j, files),
                imports,
                fails: failing_job == Some(j),
            });
        }
    }
    out
}

/// The playbook-template prompt of a job (no `"`, `$`, `` ` `` or `\`: it is embedded in a
/// double-quoted shell argument).
pub fn prompt(spec: &JobSpec) -> String {
    let mut p = String::new();
    p += &format!("Context: Genproj Phase 1 Batch {} - component {}\n", spec.batch, spec.job);
    p += "Reference: FRD v7.5 Section 11.3\n\n";
    p += &format!("Task: Create module j{} of batch {} (request handlers and helpers)\n\n", spec.job, spec.batch);
    if spec.outputs.len() == 1 {
        p += &format!("File to create: {}\n\n", spec.outputs[0]);
    } else {
        p += "Files:\n";
        for o in &spec.outputs {
            p += &format!("- {o}\n");
        }
        p += "\n";
    }
    p += "Requirements:\n";
    for m in &spec.imports {
        p += &format!("- Import Helper from {m}\n");
    }
    p += "- Keep functions pure; no third-party imports\n";
    p += "- Raise KeyError for unknown ids\n\n";
    p += "Specification:\nOne class per file; type hints everywhere.\n\n";
    p += &format!("Validation: python -m py_compile {}\n\n", spec.outputs.join(" "));
    p += "Output: Confirm file created and any important details.\n";
    p
}

/// Where things go in the project (relative to its root).
pub const LOG_DIR: &str = "_build/logs/phase1";
pub const SCRIPT_DIR: &str = "_build/prompts-build";

/// A batch script like the sparkq fixture: one backgrounded `codex exec` per job, then `wait`.
pub fn batch_script(batch: u32, project: &str, jobs: &[&JobSpec]) -> String {
    let mut s = String::new();
    s += "#!/usr/bin/env bash\n";
    s += &format!("# Genproj Phase 1 - Batch {batch} (parallel)\n");
    s += "set -u\n";
    s += &format!("PROJECT=\"{project}\"\n");
    s += &format!("LOGS=\"$PROJECT/{LOG_DIR}\"\n");
    s += "mkdir -p \"$LOGS\"\n\n";
    for j in jobs {
        let name = j.name();
        s += "codex exec --full-auto --json -C \"$PROJECT\" \"\n";
        s += &prompt(j);
        s += &format!("\" > \"$LOGS/{name}.jsonl\" 2> \"$LOGS/{name}.err\" &\n\n");
    }
    s += "wait\n";
    s += &format!("echo \"Batch {batch} done\"\n");
    s
}

/// GNU parallel form (like the notes-joblog fixture): the command of one job, prompt on stdin.
pub fn joblog_command(project: &str, spec: &JobSpec) -> String {
    let name = spec.name();
    format!(
        "codex exec --full-auto --json -C {project} - < _build/prompts/{name}.md > _build/logs/{name}.jsonl 2> _build/logs/{name}.err"
    )
}

/// The runner script of a batch in GNU parallel form.
pub fn joblog_runner(batch: u32, project: &str) -> String {
    format!(
        "#!/usr/bin/env bash\n# Genproj Phase 1 - Batch {batch}: run all jobs in parallel, keep a joblog\ncd {project}\nmkdir -p _build/logs\nparallel -j4 --joblog _build/joblog-batch{batch}.tsv < _build/batch{batch}.cmds\n"
    )
}

/// A joblog row (rows are in completion order; the caller decides the order).
pub fn joblog_row(seq: usize, start: f64, runtime: f64, command: &str) -> String {
    joblog_row_exit(seq, start, runtime, 0, command)
}

/// A joblog row with its Exitval (Signal 0, Send and Receive 0, local host).
pub fn joblog_row_exit(seq: usize, start: f64, runtime: f64, exitval: i64, command: &str) -> String {
    format!("{seq}\t:\t{start:.3}\t{runtime:>10.3}\t0\t0\t{exitval}\t0\t{command}\n")
}

pub const JOBLOG_HEADER: &str = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

/// The Haiku validation report of a batch.
pub fn validation_report(batch: u32, jobs: &[&JobSpec]) -> String {
    let mut s = format!("Haiku Validation Report - Batch {batch}:\n");
    for j in jobs {
        for (k, o) in j.outputs.iter().enumerate() {
            if j.fails && k == 0 {
                s += &format!("❌ FAIL: {o}\n");
                s += &format!("   - ModuleNotFoundError: No module named '{}'\n", j.missing_module());
            } else {
                s += &format!("✅ PASS: {o}\n");
            }
        }
    }
    s
}

/// Write one job's `codex exec --json` stream of about `target` bytes: thread.started,
/// turn.started, a reasoning item, commands whose `aggregated_output` grows over repeated
/// `item.updated` lines (each repeats the whole output so far) and then `item.completed`, the
/// file_change, a py_compile run, the agent's message, turn.completed with usage.
/// Returns the bytes written.
pub fn write_stream<W: Write>(
    w: &mut W,
    rng: &mut Rng,
    pool: &OutputPool,
    spec: &JobSpec,
    project: &str,
    target: u64,
) -> io::Result<u64> {
    let mut o = Counted { w, n: 0 };
    let thread = rng.uuid();
    o.put(&["{\"type\":\"thread.started\",\"thread_id\":\"", &thread, "\"}\n"])?;
    o.put(&["{\"type\":\"turn.started\"}\n"])?;
    o.put(&["{\"type\":\"item.completed\",\"item\":{\"id\":\"item_0\",\"type\":\"reasoning\",\"text\":\"**Reading the specification**\"}}\n"])?;
    let mut item = 1u32;
    let dir = spec.outputs.first().and_then(|o| o.rsplit_once('/')).map(|(d, _)| d).unwrap_or(".");
    // Commands with large outputs until the stream is about `target` bytes.
    let mut big_commands = 0u32;
    while o.n + 1200 < target {
        let remaining = target - o.n - 1200;
        // A command emitting `steps` updates of an output growing to `cap` writes about
        // cap * (steps + 3) / 2 bytes.
        let cap = rng.range(256 << 10, 1 << 20).min((remaining / 8).max(2 << 10)) as usize;
        let steps = rng.range(8, 16) as usize;
        let step = (cap / steps).max(512);
        let first = rng.below((pool.lines() / 2) as u64) as usize;
        let cmd = match big_commands % 3 {
            0 => format!("bash -lc 'pytest -q {dir}'"),
            1 => "bash -lc 'pip install -r requirements.txt'".to_string(),
            _ => format!("bash -lc 'python -m mypy {dir}'"),
        };
        let cmd = escaped(&cmd);
        let id = format!("item_{item}");
        item += 1;
        let head = |kind: &str| {
            format!("{{\"type\":\"{kind}\",\"item\":{{\"id\":\"{id}\",\"type\":\"command_execution\",\"command\":\"{cmd}\",\"aggregated_output\":\"")
        };
        let before = o.n;
        o.put(&[&head("item.started"), "\",\"exit_code\":null,\"status\":\"in_progress\"}}\n"])?;
        let updated = head("item.updated");
        let mut len = step;
        let mut out = pool.slice(first, len);
        while out.len() < cap {
            o.put(&[&updated, out, "\",\"exit_code\":null,\"status\":\"in_progress\"}}\n"])?;
            len += step;
            let next = pool.slice(first, len);
            if next.len() <= out.len() {
                break;
            }
            out = next;
        }
        // Estimate whether this command is the last big one (its completion is about `cap`).
        let last_big = o.n + (o.n - before) / 4 + 1200 >= target || o.n + cap as u64 + 1200 >= target;
        if spec.fails && last_big {
            // The failing job's own test run failed: evidence of what the report will say.
            let tb =
                format!("E   ModuleNotFoundError: No module named '{}'\\n1 error in 0.21s\\n", spec.missing_module());
            o.put(&[&head("item.completed"), out, &tb, "\",\"exit_code\":1,\"status\":\"failed\"}}\n"])?;
        } else {
            o.put(&[&head("item.completed"), out, "\",\"exit_code\":0,\"status\":\"completed\"}}\n"])?;
        }
        big_commands += 1;
    }
    // The files it wrote.
    let mut changes = String::new();
    for (k, out) in spec.outputs.iter().enumerate() {
        if k > 0 {
            changes.push(',');
        }
        changes += &format!("{{\"path\":\"{}/{}\",\"kind\":\"add\"}}", escaped(project), escaped(out));
    }
    let id = format!("item_{item}");
    item += 1;
    o.put(&[
        "{\"type\":\"item.completed\",\"item\":{\"id\":\"",
        &id,
        "\",\"type\":\"file_change\",\"changes\":[",
        &changes,
        "],\"status\":\"completed\"}}\n",
    ])?;
    let compile = escaped(&format!("bash -lc 'python -m py_compile {}'", spec.outputs.join(" ")));
    let id = format!("item_{item}");
    item += 1;
    for (kind, status, code) in [("item.started", "in_progress", "null"), ("item.completed", "completed", "0")] {
        o.put(&[
            "{\"type\":\"",
            kind,
            "\",\"item\":{\"id\":\"",
            &id,
            "\",\"type\":\"command_execution\",\"command\":\"",
            &compile,
            "\",\"aggregated_output\":\"\",\"exit_code\":",
            code,
            ",\"status\":\"",
            status,
            "\"}}\n",
        ])?;
    }
    let id = format!("item_{item}");
    let msg = escaped(&format!("Created {}.", spec.outputs.join(", ")));
    o.put(&[
        "{\"type\":\"item.completed\",\"item\":{\"id\":\"",
        &id,
        "\",\"type\":\"agent_message\",\"text\":\"",
        &msg,
        "\"}}\n",
    ])?;
    let usage = format!(
        "{{\"type\":\"turn.completed\",\"usage\":{{\"input_tokens\":{},\"cached_input_tokens\":{},\"output_tokens\":{}}}}}\n",
        rng.range(10_000, 40_000),
        rng.range(2_000, 9_000),
        rng.range(400, 3_000)
    );
    o.put(&[&usage])?;
    Ok(o.n)
}

/// Write one job's small `codex exec --json` stream of about `target` bytes, shaped like the
/// streams of short generation jobs (the lifecycle fixtures): thread.started, turn.started, a
/// reasoning item, `ls` of the batch's directory, `sed -n` reads of the modules it imports and
/// of neighbours (as many as fit the size), a second reasoning item, the file_change with its
/// diff (item.started and item.completed), py_compile and pytest runs, the agent's message,
/// turn.completed with usage. Every command is one item.started and one item.completed (no
/// item.updated, as for short commands). The failing job's pytest run fails with the
/// ModuleNotFoundError the batch's validation report names. Returns the bytes written.
pub fn write_small_stream<W: Write>(
    w: &mut W,
    rng: &mut Rng,
    spec: &JobSpec,
    project: &str,
    target: u64,
) -> io::Result<u64> {
    let mut o = Counted { w, n: 0 };
    let dir = spec.outputs.first().and_then(|o| o.rsplit_once('/')).map(|(d, _)| d.to_string()).unwrap_or(".".into());
    let thread = rng.uuid();
    o.put(&["{\"type\":\"thread.started\",\"thread_id\":\"", &thread, "\"}\n", "{\"type\":\"turn.started\"}\n"])?;
    o.put(&["{\"type\":\"item.completed\",\"item\":{\"id\":\"item_0\",\"type\":\"reasoning\",\"text\":\"**Reading the specification and the modules it imports**\"}}\n"])?;
    let listing: String = (1..spec.job.max(2)).map(|j| format!("j{j}_0.py\\n")).collect();
    o.put(&[&small_command(1, &format!("/bin/bash -lc 'ls {dir}'"), &format!("__init__.py\\n{listing}"), 0)])?;

    // The end of the stream is drawn first, so that the reads can fill the size up to it.
    let body = String::from_utf8_lossy(&source_file(rng, &spec.outputs[0], &spec.imports, 900)).into_owned();
    let mut diff = format!("--- /dev/null\n+++ b/{}\n@@ -0,0 +1,{} @@\n", spec.outputs[0], body.lines().count());
    for l in body.lines() {
        diff += "+";
        diff += l;
        diff += "\n";
    }
    let tests_output = if spec.fails {
        let m = spec.missing_module();
        format!(
            "==================================== ERRORS ====================================\\n\
             ______________________ ERROR collecting {dir}/test_j{j}.py ______________________\\n\
             ImportError while importing test module '{project}/{dir}/test_j{j}.py'.\\n\
             {o}:2: in <module>\\n    from {m} import Helper\\n\
             E   ModuleNotFoundError: No module named '{m}'\\n\
             =========================== short test summary info ============================\\n\
             ERROR {dir}/test_j{j}.py\\n!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!\\n1 error in 0.21s\\n",
            j = spec.job,
            o = escaped(&spec.outputs[0]),
            project = escaped(project),
        )
    } else {
        format!(
            "{}. [100%]\\n{} passed in 0.{:02}s\\n",
            ".".repeat(rng.range(1, 6) as usize),
            rng.range(1, 6),
            rng.range(3, 60)
        )
    };
    let msg = if spec.fails {
        format!(
            "Created {}. The tests fail to import `{}`, which no module of this batch provides.",
            spec.outputs.join(", "),
            spec.missing_module()
        )
    } else {
        format!("Created {}. py_compile and the tests pass.", spec.outputs.join(", "))
    };
    let usage = format!(
        "{{\"type\":\"turn.completed\",\"usage\":{{\"input_tokens\":{},\"cached_input_tokens\":{},\"output_tokens\":{},\"reasoning_output_tokens\":{}}}}}\n",
        rng.range(10_000, 40_000),
        rng.range(2_000, 9_000),
        rng.range(400, 3_000),
        rng.range(100, 900)
    );
    let tail = |first: u32| {
        let mut changes = String::new();
        for (k, out) in spec.outputs.iter().enumerate() {
            if k > 0 {
                changes.push(',');
            }
            changes += &format!("{{\"path\":\"{}/{}\",\"kind\":\"add\"", escaped(project), escaped(out));
            if k == 0 {
                changes += &format!(",\"diff\":\"{}\"", escaped(&diff));
            }
            changes.push('}');
        }
        let mut t = format!(
            "{{\"type\":\"item.completed\",\"item\":{{\"id\":\"item_{first}\",\"type\":\"reasoning\",\"text\":\"**Writing {}**\"}}}}\n",
            escaped(&spec.outputs[0])
        );
        for (kind, status) in [("item.started", "in_progress"), ("item.completed", "completed")] {
            t += &format!(
                "{{\"type\":\"{kind}\",\"item\":{{\"id\":\"item_{}\",\"type\":\"file_change\",\"changes\":[{changes}],\"status\":\"{status}\"}}}}\n",
                first + 1
            );
        }
        t += &small_command(
            first + 2,
            &format!("/bin/bash -lc 'python -m py_compile {}'", spec.outputs.join(" ")),
            "",
            0,
        );
        let test_cmd = format!("/bin/bash -lc 'python -m pytest -q {dir}'");
        t += &small_command(first + 3, &test_cmd, &tests_output, if spec.fails { 2 } else { 0 });
        t += &format!(
            "{{\"type\":\"item.completed\",\"item\":{{\"id\":\"item_{}\",\"type\":\"agent_message\",\"text\":\"{}\"}}}}\n",
            first + 4,
            escaped(&msg)
        );
        t += &usage;
        t
    };
    let tail_len = tail(100).len() as u64;

    // Reads of the imported modules, then of other modules of earlier batches, until the size.
    let mut item = 2u32;
    let mut k = 0usize;
    loop {
        // A read costs about 450 bytes of JSON around its output.
        let room = target.saturating_sub(o.n + tail_len);
        if room < 700 {
            break;
        }
        let path = match spec.imports.get(k) {
            Some(m) => m.replace('.', "/") + ".py",
            None => format!("app/b{}/j{}_0.py", rng.range(1, spec.batch.max(2) as u64 - 1), rng.range(1, 50)),
        };
        k += 1;
        let want = (room - 450).min(rng.range(1_200, 3_500)) as usize;
        let text = String::from_utf8_lossy(&source_file(rng, &path, &[], want)).into_owned();
        let cmd = format!("/bin/bash -lc \"sed -n '1,200p' {path}\"");
        o.put(&[&small_command(item, &cmd, &escaped(&text), 0)])?;
        item += 1;
    }
    o.put(&[&tail(item)])?;
    Ok(o.n)
}

/// A short command: item.started, then item.completed with its whole output (`output` is
/// already a JSON string body).
fn small_command(item: u32, cmd: &str, output: &str, exit: i32) -> String {
    let cmd = escaped(cmd);
    let status = if exit == 0 { "completed" } else { "failed" };
    format!(
        "{{\"type\":\"item.started\",\"item\":{{\"id\":\"item_{item}\",\"type\":\"command_execution\",\"command\":\"{cmd}\",\"aggregated_output\":\"\",\"exit_code\":null,\"status\":\"in_progress\"}}}}\n\
         {{\"type\":\"item.completed\",\"item\":{{\"id\":\"item_{item}\",\"type\":\"command_execution\",\"command\":\"{cmd}\",\"aggregated_output\":\"{output}\",\"exit_code\":{exit},\"status\":\"{status}\"}}}}\n"
    )
}

/// A writer that counts what it wrote.
struct Counted<'a, W: Write> {
    w: &'a mut W,
    n: u64,
}

impl<W: Write> Counted<'_, W> {
    fn put(&mut self, parts: &[&str]) -> io::Result<()> {
        for p in parts {
            self.w.write_all(p.as_bytes())?;
            self.n += p.len() as u64;
        }
        Ok(())
    }
}

/// Content of a generated source file of about `bytes` bytes, unique to its path.
pub fn source_file(rng: &mut Rng, path: &str, imports: &[String], bytes: usize) -> Vec<u8> {
    let mut s = String::with_capacity(bytes + 200);
    s += &format!("\"\"\"{path}: generated by codex (synthetic).\"\"\"\n");
    for m in imports {
        s += &format!("from {m} import Helper\n");
    }
    s += "\n";
    let mut k = 0u64;
    while s.len() < bytes {
        k += 1;
        let salt = rng.next_u64();
        s += &format!(
            "def handle_{k}(payload: dict) -> dict:\n    \"\"\"Handle request {k} ({salt:016x}).\"\"\"\n    if \"id\" not in payload:\n        raise KeyError(\"unknown id\")\n    return {{\"ok\": True, \"step\": {k}, \"seed\": 0x{salt:x}}}\n\n"
        );
    }
    s.truncate(bytes.max(s.find('\n').map_or(0, |i| i + 1)));
    s.into_bytes()
}
