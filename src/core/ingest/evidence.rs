//! Evidence helpers shared by the agent log readers: the line of a command's output that
//! says what went wrong, the file and line it names, and the finding for a failed command.

use crate::core::model::Finding;

/// `text` cut to at most `max` characters (with `…` when cut), on one line.
pub fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// The line of a command's output that best says what went wrong: the first line that
/// looks like an error, else the first non-blank line that is not a rule.
pub fn first_meaningful_line(output: &str) -> Option<&str> {
    const MARKERS: [&str; 10] =
        ["error", "Error", "ERROR", "FAILED", "FAIL", "panicked", "fatal", "Fatal", "Exception", "No such file"];
    const RULE: &str = "=-_*#~+ ";
    let mut fallback = None;
    for line in output.lines().map(str::trim) {
        // Blank lines, rules and section headers like `==== FAILURES ====`.
        let is_rule = line.chars().all(|c| RULE.contains(c))
            || (line.starts_with(|c| RULE.contains(c)) && line.ends_with(|c| RULE.contains(c)));
        if line.is_empty() || is_rule {
            continue;
        }
        // pytest's `E   assert 4 == 5` lines.
        if line.starts_with("E  ") || MARKERS.iter().any(|m| line.contains(m)) {
            return Some(line);
        }
        fallback.get_or_insert(line);
    }
    fallback
}

/// The first `file` and `line` an output names: `File "x.py", line 4`, `--> src/x.rs:3:5`,
/// `x.py:12: error`, `./x.go:3:5:`, `src/x.ts(3,5): error`.
pub fn locate(output: &str) -> Option<(String, u32)> {
    for line in output.lines().take(400).map(str::trim) {
        if let Some(rest) = line.strip_prefix("File \"") {
            if let Some(q) = rest.find('"') {
                let (path, after) = (&rest[..q], &rest[q + 1..]);
                if let Some(n) = after.strip_prefix(", line ").and_then(leading_number) {
                    return Some((path.to_string(), n));
                }
            }
        }
        let token = line.strip_prefix("--> ").unwrap_or(line).split_whitespace().next().unwrap_or("");
        if let Some(found) = path_colon_line(token).or_else(|| path_paren_line(token)) {
            return Some(found);
        }
    }
    None
}

fn leading_number(s: &str) -> Option<u32> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

fn path_colon_line(token: &str) -> Option<(String, u32)> {
    let mut parts = token.splitn(3, ':');
    let path = parts.next()?;
    let n = parts.next().and_then(|p| if p.chars().all(|c| c.is_ascii_digit()) { p.parse().ok() } else { None })?;
    looks_like_path(path).then(|| (path.to_string(), n))
}

fn path_paren_line(token: &str) -> Option<(String, u32)> {
    let open = token.find('(')?;
    let path = &token[..open];
    let n = leading_number(&token[open + 1..])?;
    looks_like_path(path).then(|| (path.to_string(), n))
}

fn looks_like_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    !path.is_empty() && !path.contains("://") && name.contains('.') && !name.ends_with('.')
}

/// Evidence for a command the agent ran that failed.
pub fn failed_command_finding(command: &str, exit_code: Option<i64>, output: &str, source: String) -> Finding {
    let command = clip(command.lines().next().unwrap_or(""), 160);
    let head = match exit_code {
        Some(code) => format!("`{command}` exited {code}"),
        None => format!("`{command}` failed"),
    };
    let message = match first_meaningful_line(output) {
        Some(line) => format!("{head}: {}", clip(line, 300)),
        None => head,
    };
    let (file, line) = match locate(output) {
        Some((file, line)) => (Some(file), Some(line)),
        None => (None, None),
    };
    Finding { file, line, error_type: "command_failed".to_string(), message, source, class: None }
}
