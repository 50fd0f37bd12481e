//! The [`Reader`] of each format: sniff and read, delegating to the format's module (the
//! batch-script and validation readers live in `ingest/script/` and `ingest/validation/`).

use super::{
    claude, codex_json, codex_session, codex_text, job_table, joblog, program, starts_json, text_of, Confidence,
    FileInfo, Format, LiveLine, Parsed, Reader, Reading,
};
use crate::core::ingest::{script, text, validation};
use crate::core::manifest;
use std::io::BufRead;

fn sure(yes: bool) -> Confidence {
    if yes {
        Confidence::Sure
    } else {
        Confidence::No
    }
}

/// A `run.json` found below the scanned directory: recognised so that no other reader takes
/// it, not merged (only PATH itself or `PATH/run.json` is loaded as the run).
pub struct ManifestReader;

impl Reader for ManifestReader {
    fn format(&self) -> Format {
        Format::Manifest
    }
    fn name(&self) -> &'static str {
        "run manifest (run.json)"
    }
    fn sniff(&self, head: &[u8], _: &FileInfo<'_>) -> Confidence {
        sure(manifest::looks_like(head))
    }
    fn read(&self, input: &mut dyn BufRead, _: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::Other { text_head: text_of(input)? })
    }
}

pub struct CodexSessionReader;

impl Reader for CodexSessionReader {
    fn format(&self) -> Format {
        Format::CodexSession
    }
    fn name(&self) -> &'static str {
        "Codex session file"
    }
    fn sniff(&self, head: &[u8], _: &FileInfo<'_>) -> Confidence {
        sure(starts_json(head) && codex_session::looks_like(head))
    }
    fn read(&self, input: &mut dyn BufRead, file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::Session(Box::new(codex_session::parse(&text_of(input)?, file.rel))))
    }
}

pub struct CodexJsonReader;

impl Reader for CodexJsonReader {
    fn format(&self) -> Format {
        Format::CodexJson
    }
    fn name(&self) -> &'static str {
        "codex exec --json"
    }
    fn sniff(&self, head: &[u8], _: &FileInfo<'_>) -> Confidence {
        sure(starts_json(head) && codex_json::looks_like(head))
    }
    fn reading(&self) -> Reading {
        Reading::Stream
    }
    fn read(&self, input: &mut dyn BufRead, file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::Agent(Box::new(codex_json::read(input, file.rel)?)))
    }
    fn read_bytes(&self, bytes: &[u8], file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::Agent(Box::new(codex_json::parse(bytes, file.rel))))
    }
    fn live_line(&self, line: &str) -> LiveLine {
        codex_json::live_line(line)
    }
    fn generator(&self) -> Option<&'static str> {
        Some("codex")
    }
    fn is_output_of(&self, argv: &[String]) -> bool {
        is_codex_exec(argv) && argv.iter().any(|a| a == "--json" || a == "--experimental-json")
    }
}

/// `codex exec ...` (also `codex e`, the alias).
fn is_codex_exec(argv: &[String]) -> bool {
    program(argv) == "codex" && argv.get(1).is_some_and(|a| a == "exec" || a == "e")
}

pub struct ClaudeReader;

impl Reader for ClaudeReader {
    fn format(&self) -> Format {
        Format::Claude
    }
    fn name(&self) -> &'static str {
        "claude -p --output-format json/stream-json"
    }
    fn sniff(&self, head: &[u8], _: &FileInfo<'_>) -> Confidence {
        sure(starts_json(head) && claude::looks_like(head))
    }
    fn read(&self, input: &mut dyn BufRead, file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::Agent(Box::new(claude::parse(&text_of(input)?, file.rel))))
    }
    fn live_line(&self, line: &str) -> LiveLine {
        claude::live_line(line)
    }
    fn generator(&self) -> Option<&'static str> {
        Some("claude")
    }
    fn is_output_of(&self, argv: &[String]) -> bool {
        let print = argv.iter().any(|a| a == "-p" || a == "--print");
        let format = argv
            .windows(2)
            .find(|w| w[0] == "--output-format")
            .map(|w| w[1].as_str())
            .or_else(|| argv.iter().find_map(|a| a.strip_prefix("--output-format=")));
        program(argv) == "claude" && print && matches!(format, Some("json" | "stream-json"))
    }
}

pub struct JoblogReader;

impl Reader for JoblogReader {
    fn format(&self) -> Format {
        Format::Joblog
    }
    fn name(&self) -> &'static str {
        "GNU parallel --joblog"
    }
    fn sniff(&self, head: &[u8], _: &FileInfo<'_>) -> Confidence {
        sure(!starts_json(head) && joblog::looks_like(head))
    }
    fn reading(&self) -> Reading {
        Reading::Stream
    }
    fn read(&self, input: &mut dyn BufRead, file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::Joblog(Box::new(joblog::read(input, file.rel)?)))
    }
}

pub struct JobTableReader;

impl Reader for JobTableReader {
    fn format(&self) -> Format {
        Format::JobTable
    }
    fn name(&self) -> &'static str {
        "runner job table (TSV/CSV)"
    }
    fn sniff(&self, head: &[u8], _: &FileInfo<'_>) -> Confidence {
        sure(!starts_json(head) && job_table::looks_like(head))
    }
    fn reading(&self) -> Reading {
        Reading::Stream
    }
    fn read(&self, input: &mut dyn BufRead, file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::JobTable(Box::new(job_table::read(input, file.rel)?)))
    }
}

fn is_script_name(name: &str, text: &str) -> bool {
    name.ends_with(".sh") || name.ends_with(".bash") || text.starts_with("#!")
}

/// A shell script that calls a generator (formats/README.md §6).
pub struct ScriptReader;

impl Reader for ScriptReader {
    fn format(&self) -> Format {
        Format::Script
    }
    fn name(&self) -> &'static str {
        "batch script"
    }
    fn sniff(&self, head: &[u8], file: &FileInfo<'_>) -> Confidence {
        let head_text = text(head);
        sure(
            !starts_json(head)
                && script::looks_like(&head_text, file.generators)
                && is_script_name(file.name, &head_text),
        )
    }
    fn read(&self, input: &mut dyn BufRead, file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::Script(Box::new(script::parse(&text_of(input)?, file.rel, file.name, file.generators))))
    }
    /// In place: a script in memory is not copied to be read.
    fn read_bytes(&self, bytes: &[u8], file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::Script(Box::new(script::parse(&text(bytes), file.rel, file.name, file.generators))))
    }
}

/// One generator command per line, fed to GNU parallel or xargs (`batch2.cmds`).
pub struct CommandListReader;

impl Reader for CommandListReader {
    fn format(&self) -> Format {
        Format::CommandList
    }
    fn name(&self) -> &'static str {
        "command list"
    }
    fn sniff(&self, head: &[u8], file: &FileInfo<'_>) -> Confidence {
        let head_text = text(head);
        sure(
            !starts_json(head)
                && script::looks_like(&head_text, file.generators)
                && !is_script_name(file.name, &head_text),
        )
    }
    fn read(&self, input: &mut dyn BufRead, file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::Script(Box::new(script::parse_command_list(&text_of(input)?, file.rel, file.name, file.generators))))
    }
    fn read_bytes(&self, bytes: &[u8], file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::Script(Box::new(script::parse_command_list(&text(bytes), file.rel, file.name, file.generators))))
    }
}

pub struct CodexTextReader;

impl Reader for CodexTextReader {
    fn format(&self) -> Format {
        Format::CodexText
    }
    fn name(&self) -> &'static str {
        "codex exec output (text)"
    }
    fn sniff(&self, head: &[u8], _: &FileInfo<'_>) -> Confidence {
        sure(!starts_json(head) && codex_text::looks_like(&text(head)))
    }
    fn read(&self, input: &mut dyn BufRead, file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::Agent(Box::new(codex_text::parse(&text_of(input)?, file.rel))))
    }
    fn generator(&self) -> Option<&'static str> {
        Some("codex")
    }
    fn is_output_of(&self, argv: &[String]) -> bool {
        is_codex_exec(argv) && !argv.iter().any(|a| a == "--json" || a == "--experimental-json")
    }
}

/// Validation reports and tool output (formats/README.md §7).
pub struct ValidationReader;

impl Reader for ValidationReader {
    fn format(&self) -> Format {
        Format::Validation
    }
    fn name(&self) -> &'static str {
        "validation report"
    }
    fn sniff(&self, head: &[u8], _: &FileInfo<'_>) -> Confidence {
        sure(!starts_json(head) && validation::looks_like(&text(head)))
    }
    fn reading(&self) -> Reading {
        Reading::Stream
    }
    fn read(&self, input: &mut dyn BufRead, file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        Ok(Parsed::Validation(Box::new(validation::read(input, file.rel)?)))
    }
}
