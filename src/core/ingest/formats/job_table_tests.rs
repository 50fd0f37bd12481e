use super::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/formats/job_table");

fn table(name: &str) -> JobTable {
    let bytes = std::fs::read(format!("{DIR}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(looks_like(&bytes), "{name} is sniffed as a job table");
    read(&bytes[..], name).unwrap()
}

#[test]
fn a_jobs_tsv_names_prompts_workdirs_and_logs() {
    let t = table("jobs.tsv");
    assert!(!t.has_results);
    assert_eq!(t.rows.len(), 3);
    let r = &t.rows[1];
    assert_eq!(r.id, "b1-parser");
    assert_eq!(r.prompt_file.as_deref(), Some("prompts/b1-parser.md"));
    assert_eq!(r.workdir.as_deref(), Some("."));
    assert_eq!(r.log.as_deref(), Some("logs/b1-parser.jsonl"));
    assert_eq!(r.last_message.as_deref(), Some("logs/b1-parser.last.txt"));
    assert_eq!(r.line, 3);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}

#[test]
fn a_summary_tsv_gives_exit_codes_and_seconds() {
    let t = table("summary.tsv");
    assert!(t.has_results);
    let codes: Vec<(&str, Option<i64>, Option<f64>)> =
        t.rows.iter().map(|r| (r.id.as_str(), r.exit_code, r.seconds)).collect();
    assert_eq!(
        codes,
        vec![
            ("b1-lexer", Some(0), Some(41.0)),
            ("b1-parser", Some(1), Some(73.0)),
            ("b1-eval", Some(124), Some(600.0))
        ]
    );
}

#[test]
fn a_jobs_csv_with_quoted_cells_is_read() {
    let t = table("jobs.csv");
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.rows[0].id, "b2-cli");
    assert_eq!(t.rows[0].prompt_file.as_deref(), Some("prompts/b2 cli, flags.md"));
    assert_eq!(t.rows[1].exit_code, None);
}

#[test]
fn broken_rows_are_warned_about_and_the_rest_loads() {
    let text = "id\tprompt\texit_code\tseconds\nb1-a\tp/a.md\t0\t3\n\tp/b.md\t1\t2\nb1-c\tp/c.md\tboom\t-\n";
    let t = read(text.as_bytes(), "summary.tsv").unwrap();
    assert_eq!(t.rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec!["b1-a", "b1-c"]);
    let w: Vec<String> = t.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        w,
        vec![
            "summary.tsv:3: this row names no job id; skipped".to_string(),
            "summary.tsv:4: exit code \"boom\" is not a number; it is not used".to_string(),
        ]
    );
}

#[test]
fn other_tables_are_not_job_tables() {
    assert!(!looks_like(b"Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"));
    assert!(!looks_like(b"name,age\nbob,3\n"));
    assert!(!looks_like(b"id\n1\n"));
}
