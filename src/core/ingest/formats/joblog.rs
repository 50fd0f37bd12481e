//! GNU parallel `--joblog` files (formats/README.md §5).

use crate::core::ingest::ParseWarning;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct JoblogRow {
    pub seq: u64,
    pub host: String,
    /// Epoch seconds.
    pub start: Option<f64>,
    pub runtime_s: Option<f64>,
    pub exitval: i64,
    pub signal: i64,
    /// The command with NUL bytes turned back into newlines; TABs inside kept.
    pub command: String,
    /// 1-based line in the file.
    pub line: usize,
}

/// What a joblog says, kept per job, not per line (DESIGN.md §18): a joblog appended to by
/// many re-runs (`--resume-failed`, `--joblog +file`) has many rows per Seq, and only the last
/// one and how many came before it decide anything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Joblog {
    /// The current (last) row of each Seq, in the order the Seqs first appeared.
    pub rows: Vec<JoblogRow>,
    /// For each of `rows`, how many earlier rows its Seq had.
    pub earlier: Vec<usize>,
    /// Rows read in all (every row of the file, earlier attempts included).
    pub rows_read: usize,
    pub had_header: bool,
    pub warnings: Vec<ParseWarning>,
    /// Seq -> index in `rows`.
    index: HashMap<u64, usize>,
}

/// One job of the joblog: its current (last) row and how many earlier rows it had.
#[derive(Debug, Clone, PartialEq)]
pub struct JoblogJob<'a> {
    pub seq: u64,
    pub last: &'a JoblogRow,
    pub earlier_attempts: usize,
}

impl Joblog {
    /// Jobs ordered by Seq; the last row of a Seq is its current state.
    pub fn jobs(&self) -> Vec<JoblogJob<'_>> {
        let mut jobs: Vec<JoblogJob<'_>> = self
            .rows
            .iter()
            .zip(&self.earlier)
            .map(|(last, &earlier_attempts)| JoblogJob { seq: last.seq, last, earlier_attempts })
            .collect();
        jobs.sort_by_key(|j| j.seq);
        jobs
    }

    /// Record a row: it replaces the row of its Seq, if any, as the current one.
    fn push(&mut self, row: JoblogRow) {
        self.rows_read += 1;
        match self.index.get(&row.seq) {
            Some(&i) => {
                self.rows[i] = row;
                self.earlier[i] += 1;
            }
            None => {
                self.index.insert(row.seq, self.rows.len());
                self.rows.push(row);
                self.earlier.push(0);
            }
        }
    }
}

const HEADER: &[u8] = b"Seq\tHost\tStarttime";

/// Read a joblog held in memory (see [`read`]).
pub fn parse(bytes: &[u8], source: &str) -> Joblog {
    // Reading a byte slice cannot fail.
    read(bytes, source).unwrap_or_default()
}

/// Read a joblog whole, line by line: only the rows are kept (a command longer than
/// [`crate::core::ingest::lines::LINE_MAX`] is cut, and the cut is said). Malformed lines are skipped with a
/// warning naming `source` and the line.
pub fn read(reader: impl std::io::BufRead, source: &str) -> std::io::Result<Joblog> {
    let mut log = Joblog::default();
    let mut seen_content = false;
    let mut lines = crate::core::ingest::lines::Lines::new(reader);
    while let Some(l) = lines.next_line()? {
        let (n, line) = (l.number, l.bytes);
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if !seen_content {
            seen_content = true;
            if line.starts_with(HEADER) {
                log.had_header = true;
                continue;
            }
        } else if line.starts_with(HEADER) {
            // A second header: the file was appended to by a run without `+`.
            continue;
        }
        match parse_row(line, n) {
            Ok(row) => log.push(row),
            Err(message) => crate::core::ingest::push_warning(
                &mut log.warnings,
                ParseWarning { source: source.to_string(), line: Some(n), message },
            ),
        }
        if l.cut > 0 {
            crate::core::ingest::push_warning(
                &mut log.warnings,
                ParseWarning {
                    source: source.to_string(),
                    line: Some(n),
                    message: format!("this row's command is longer than {} MiB: {} bytes of it were cut (its Seq and Exitval were read)", crate::core::ingest::lines::LINE_MAX >> 20, l.cut),
                },
            );
        }
    }
    log.rows.shrink_to_fit();
    log.earlier.shrink_to_fit();
    log.index.shrink_to_fit();
    Ok(log)
}

fn field(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim().to_string()
}

fn parse_row(line: &[u8], n: usize) -> Result<JoblogRow, String> {
    let fields: Vec<&[u8]> = line.splitn(9, |&b| b == b'\t').collect();
    if fields.len() < 9 {
        return Err(format!("malformed joblog line: expected 9 TAB-separated fields, found {}", fields.len()));
    }
    let seq_s = field(fields[0]);
    let seq = seq_s.parse::<u64>().map_err(|_| format!("malformed joblog line: Seq `{seq_s}` is not a number"))?;
    let exit_s = field(fields[6]);
    let exitval =
        exit_s.parse::<i64>().map_err(|_| format!("malformed joblog line: Exitval `{exit_s}` is not a number"))?;
    let sig_s = field(fields[7]);
    let signal =
        sig_s.parse::<i64>().map_err(|_| format!("malformed joblog line: Signal `{sig_s}` is not a number"))?;
    let num = |b: &[u8]| field(b).parse::<f64>().ok().filter(|f| f.is_finite());
    let command: Vec<u8> = fields[8].iter().map(|&b| if b == 0 { b'\n' } else { b }).collect();
    Ok(JoblogRow {
        seq,
        host: field(fields[1]),
        start: num(fields[2]),
        runtime_s: num(fields[3]),
        exitval,
        signal,
        command: String::from_utf8_lossy(&command).into_owned(),
        line: n,
    })
}

/// Header line, or a first line of 9+ TAB-separated fields with numeric Seq/Starttime/Exitval.
pub fn looks_like(head: &[u8]) -> bool {
    let first = head.split(|&b| b == b'\n').find(|l| !l.iter().all(|b| b.is_ascii_whitespace()));
    let Some(first) = first else {
        return false;
    };
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    if first.starts_with(HEADER) {
        return true;
    }
    let fields: Vec<&[u8]> = first.splitn(9, |&b| b == b'\t').collect();
    if fields.len() < 9 {
        return false;
    }
    let seq = field(fields[0]);
    !seq.is_empty()
        && seq.bytes().all(|b| b.is_ascii_digit())
        && field(fields[2]).parse::<f64>().is_ok()
        && field(fields[3]).parse::<f64>().is_ok()
        && field(fields[6]).parse::<i64>().is_ok()
        && field(fields[7]).parse::<i64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::shell;
    use std::collections::HashMap;

    const EXAMPLE: &[u8] = include_bytes!("../../../../tests/data/joblog/gnu_parallel_joblog.tsv");
    const NOTES2: &[u8] = include_bytes!("../../../../tests/data/fixtures/notes-joblog/_build/joblog-batch2.tsv");
    const NOTES3: &[u8] = include_bytes!("../../../../tests/data/fixtures/notes-joblog/_build/joblog-batch3.tsv");
    const RESUMED: &[u8] = include_bytes!("../../../../tests/data/joblog/resumed-no-header.tsv");

    fn first_lines(b: &[u8], n: usize) -> &[u8] {
        let end = b.iter().enumerate().filter(|(_, &c)| c == b'\n').nth(n - 1).map(|(i, _)| i + 1).unwrap_or(b.len());
        &b[..end]
    }

    #[test]
    fn example_with_header_in_completion_order() {
        let log = parse(EXAMPLE, "joblog.tsv");
        assert!(log.had_header);
        assert!(log.warnings.is_empty());
        let seqs: Vec<u64> = log.rows.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, [1, 3, 2]);
        assert_eq!(log.rows_read, 3);
        let killed = &log.rows[2];
        assert_eq!(killed.exitval, -1);
        assert_eq!(killed.signal, 15);
        assert_eq!(killed.host, ":");
        assert_eq!(killed.start, Some(1763647391.288));
        assert_eq!(killed.runtime_s, Some(600.002));
        assert_eq!(killed.line, 4);
        assert_eq!(killed.command, "codex exec --json 'Create src/ast.rs' > logs/b1/2.jsonl 2> logs/b1/2.err");
        let jobs = log.jobs();
        let seqs: Vec<u64> = jobs.iter().map(|j| j.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
        assert_eq!(jobs[2].last.exitval, 1);
        assert!(jobs.iter().all(|j| j.earlier_attempts == 0));
    }

    #[test]
    fn notes_joblogs() {
        let log = parse(NOTES2, "_build/joblog-batch2.tsv");
        assert_eq!(log.rows.len(), 3);
        assert_eq!(log.rows[1].seq, 3);
        assert_eq!(log.rows[1].runtime_s, Some(0.086));
        let inv = shell::parse_command(&log.rows[1].command, &HashMap::new()).unwrap();
        assert_eq!(inv.stdout.as_deref(), Some("_build/logs/b2-3.jsonl"));
        assert_eq!(inv.stdin_file.as_deref(), Some("_build/prompts/b2-3.md"));
        let log3 = parse(NOTES3, "_build/joblog-batch3.tsv");
        let jobs = log3.jobs();
        assert_eq!(jobs[0].seq, 1);
        assert_eq!(jobs[0].last.line, 3);
        assert!(jobs.iter().all(|j| j.last.exitval == 0));
    }

    #[test]
    fn resumed_log_without_header() {
        let log = parse(RESUMED, "_build/joblog-b2.tsv");
        assert!(!log.had_header);
        // Six rows read, one kept per Seq (the last), in the order the Seqs first appeared.
        assert_eq!(log.rows_read, 6);
        assert_eq!(log.rows.len(), 3);
        assert_eq!(log.earlier, [2, 1, 0]);
        assert_eq!(
            log.warnings,
            vec![ParseWarning {
                source: "_build/joblog-b2.tsv".into(),
                line: Some(4),
                message: "malformed joblog line: expected 9 TAB-separated fields, found 3".into(),
            }]
        );
        // NUL -> newline, TAB inside Command kept.
        let seq3 = &log.rows[1];
        assert_eq!((seq3.exitval, seq3.signal, seq3.line), (0, 0, 6));
        assert_eq!(seq3.command, "codex exec --json 'Create c.py:\n- keep\tTABs\n- two lines' > logs/b2/3.jsonl");
        let inv = shell::parse_command(&seq3.command, &HashMap::new()).unwrap();
        assert_eq!(inv.argv[3], "Create c.py:\n- keep\tTABs\n- two lines");
        assert_eq!(inv.stdout.as_deref(), Some("logs/b2/3.jsonl"));
        assert_eq!(log.rows[2].exitval, -2);
        assert_eq!(log.rows[2].runtime_s, Some(0.0));
        // The killed first attempt of Seq 3 (Exitval -1, signal 15) is an earlier attempt now.
        let killed = parse(first_lines(RESUMED, 2), "x");
        assert!(killed.rows.iter().any(|r| (r.seq, r.exitval, r.signal) == (3, -1, 15)), "{killed:?}");

        let jobs = log.jobs();
        let summary: Vec<(u64, i64, usize, usize)> =
            jobs.iter().map(|j| (j.seq, j.last.exitval, j.earlier_attempts, j.last.line)).collect();
        assert_eq!(summary, [(1, 1, 2, 7), (2, -2, 0, 3), (3, 0, 1, 6)]);
        assert_eq!(jobs[0].last.start, Some(1763651500.0));
        let seq1_second = parse(first_lines(RESUMED, 5), "x");
        assert!(seq1_second.rows.iter().any(|r| r.seq == 1 && r.host == "server1"), "{seq1_second:?}");
    }

    #[test]
    fn bad_numbers_and_invalid_utf8_are_tolerated() {
        let mut bytes = b"Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n".to_vec();
        bytes.extend_from_slice(b"x\t:\t1.0\t1.0\t0\t0\t0\t0\tcmd\n");
        bytes.extend_from_slice(b"2\t:\t1.0\t1.0\t0\t0\tboom\t0\tcmd\n");
        bytes.extend_from_slice(b"3\t:\t-\t \t0\t0\t0\t0\techo caf\xe9\r\n");
        bytes.extend_from_slice(b"\n\n");
        let log = parse(&bytes, "j.tsv");
        assert!(log.had_header);
        assert_eq!(log.rows.len(), 1);
        assert_eq!(log.rows[0].start, None);
        assert_eq!(log.rows[0].runtime_s, None);
        assert_eq!(log.rows[0].command, "echo caf\u{fffd}");
        let lines: Vec<Option<usize>> = log.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(2), Some(3)]);
        assert!(log.warnings[1].message.contains("Exitval `boom`"));
        assert_eq!(parse(b"", "e").rows.len(), 0);
    }

    #[test]
    fn sniffing() {
        assert!(looks_like(EXAMPLE));
        assert!(looks_like(RESUMED));
        assert!(looks_like(NOTES2));
        assert!(!looks_like(b"codex exec --json 'x'\n"));
        assert!(!looks_like(b"{\"type\":\"thread.started\"}\n"));
        assert!(!looks_like(b"a\tb\tc\td\te\tf\tg\th\ti\n"));
        assert!(!looks_like(b""));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let log = parse(&bytes, "x");
            let _ = looks_like(&bytes);
            let jobs = log.jobs();
            let attempts: usize = jobs.iter().map(|j| j.earlier_attempts + 1).sum();
            proptest::prop_assert_eq!(attempts, log.rows_read);
        }
    }
}
