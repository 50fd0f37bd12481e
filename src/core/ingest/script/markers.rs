//! Batch markers (`# Batch 3`, `echo "=== Batch 3 ==="`) and `wait`: how the calls of a
//! script fall into numbered batches.

use super::{GeneratorCall, ScriptBatch};
use regex::Regex;
use std::sync::OnceLock;

/// Collects the calls of a script into batches, in script order.
pub(super) struct Builder {
    batches: Vec<ScriptBatch>,
    waited: bool,
    file_num: Option<u32>,
}

impl Builder {
    pub(super) fn new(file_num: Option<u32>) -> Self {
        Builder { batches: Vec::new(), waited: false, file_num }
    }

    pub(super) fn marker(&mut self, n: u32, name: String) {
        if let Some(cur) = self.batches.last_mut() {
            if cur.number == Some(n) {
                if cur.name.is_none() {
                    cur.name = Some(name);
                }
                return;
            }
        }
        self.batches.push(ScriptBatch { number: Some(n), name: Some(name), calls: Vec::new() });
        self.waited = false;
    }

    pub(super) fn wait(&mut self) {
        if self.batches.last().is_some_and(|b| !b.calls.is_empty()) {
            self.waited = true;
        }
    }

    pub(super) fn call(&mut self, call: GeneratorCall) {
        let number = match self.batches.last() {
            None => Some(self.file_num),
            Some(last) if self.waited => Some(last.number.map(|n| n + 1)),
            Some(_) => None,
        };
        if let Some(number) = number {
            self.batches.push(ScriptBatch { number, name: None, calls: Vec::new() });
        }
        self.waited = false;
        if let Some(last) = self.batches.last_mut() {
            last.calls.push(call);
        }
    }

    pub(super) fn finish(mut self, keep_empty: bool) -> Vec<ScriptBatch> {
        if self.batches.iter().any(|b| !b.calls.is_empty()) {
            self.batches.retain(|b| !b.calls.is_empty());
        } else if !keep_empty {
            self.batches.clear();
        } else if self.batches.is_empty() && self.file_num.is_some() {
            self.batches.push(ScriptBatch { number: self.file_num, ..ScriptBatch::default() });
        }
        if self.batches.len() > 1 && self.batches.iter().all(|b| b.number.is_none()) {
            for (i, b) in self.batches.iter_mut().enumerate() {
                b.number = u32::try_from(i + 1).ok();
            }
        }
        self.batches
    }
}

/// `# SparkQ Phase 6 - Batch 3 (parallel)`, `Batch 3`, `=== Batch 3 ===` -> (3, text).
/// End messages (`Batch 3 done`) and passing mentions (`needs batch 2`) are not markers.
pub(super) fn batch_marker(text: &str) -> Option<(u32, String)> {
    static MARK: OnceLock<Option<Regex>> = OnceLock::new();
    static END: OnceLock<Option<Regex>> = OnceLock::new();
    let deco = |c: char| matches!(c, '=' | '-' | '#' | '*' | '~' | '>' | '[' | ']' | ' ' | '\t');
    let t = text.trim_matches(deco).trim_end_matches(|c: char| deco(c) || matches!(c, '.' | ':' | '!'));
    let mark = MARK
        .get_or_init(|| {
            Regex::new(
                r"(?i)^(?:(?:start(?:ing)?|run(?:ning)?|launch(?:ing)?|begin(?:ning)?)\s+|.{0,80}?(?:phase\s*\d+[a-z]?\s*(?:[-–—:|,/]\s*)?|[-–—:|]\s*))?batch[\s_#-]*0*(\d+)\b(.*)$",
            )
            .ok()
        })
        .as_ref()?;
    let c = mark.captures(t)?;
    let n: u32 = c.get(1)?.as_str().parse().ok()?;
    let tail = c.get(2).map_or("", |m| m.as_str());
    let end = END
        .get_or_init(|| {
            Regex::new(r"(?i)^[\s:.,!)-]*(?:is\s+|has\s+)?(?:done|complete|completed|finished|ended|end|ok|failed|succeeded|passed|over)\b").ok()
        })
        .as_ref()?;
    if end.is_match(tail) {
        return None;
    }
    Some((n, t.to_string()))
}
