//! TOML configuration (DESIGN.md §16): user config dir, then `.recover/config.toml`, then env.
//! Unknown keys are an error naming the key.
//!
//! The project's own `.recover/config.toml` is untrusted like the rest of the state directory
//! (§12, §18): it may tune thresholds, rules, prices, keys and theme, but the commands that run
//! (`[commands] generator`, `reviser`, `validate`) and `state_dir` come only from your own
//! config (the user config, `--config FILE`) or the environment; set there, they are ignored
//! with a note.

use crate::core::decide::Thresholds;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub commands: Commands,
    pub decision: DecisionSection,
    /// Extra failure-class rules: class name -> list of regexes.
    pub classify: BTreeMap<String, Vec<String>>,
    pub prices: Prices,
    /// Key remapping for the TUI: action name -> key list.
    pub keys: BTreeMap<String, Vec<String>>,
    pub theme: BTreeMap<String, String>,
    pub state_dir: Option<PathBuf>,
    /// What was ignored while loading (keys a project config may not set), for the user.
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// Keys a project's own config may not set: they name programs to run, or where state goes.
const TRUSTED_ONLY: &[(&str, &str)] =
    &[("commands", "generator"), ("commands", "reviser"), ("commands", "validate"), ("", "state_dir")];

/// Take the trusted-only keys out of a project config's table; say which were there.
fn strip_untrusted(table: &mut toml::Table, path: &Path) -> Vec<String> {
    let mut notes = Vec::new();
    for (section, key) in TRUSTED_ONLY {
        let removed = if section.is_empty() {
            table.remove(*key)
        } else {
            table.get_mut(*section).and_then(|t| t.as_table_mut()).and_then(|t| t.remove(*key))
        };
        if removed.is_some() {
            let name = if section.is_empty() { key.to_string() } else { format!("[{section}] {key}") };
            notes.push(format!(
                "{}: {name} is not used: a project's own config cannot choose what runs; set it in your config ({}) or pass --config FILE",
                path.display(),
                Config::user_path().map(|p| p.display().to_string()).unwrap_or_else(|| "the user config".into())
            ));
        }
    }
    notes
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Commands {
    pub generator: Vec<String>,
    pub reviser: Option<Vec<String>>,
    /// File extension (without dot) -> validation argv.
    pub validate: BTreeMap<String, Vec<String>>,
    pub concurrency: usize,
    pub timeout_s: u64,
}

impl Default for Commands {
    fn default() -> Self {
        let argv = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let mut validate = BTreeMap::new();
        validate.insert("py".into(), argv(&["python3", "-m", "py_compile", "{output}"]));
        validate.insert("rs".into(), argv(&["cargo", "check", "--quiet"]));
        validate.insert("ts".into(), argv(&["npx", "tsc", "--noEmit"]));
        validate.insert("go".into(), argv(&["go", "build", "./..."]));
        Commands {
            generator: argv(&["codex", "exec", "--full-auto", "--json", "-C", "{project_root}", "-"]),
            reviser: None,
            validate,
            concurrency: 4,
            timeout_s: 15 * 60,
        }
    }
}

impl Commands {
    /// Program names that count as generators when reading batch scripts, besides the ones the
    /// readers know ([`crate::core::ingest::formats::GENERATORS`]).
    pub fn generator_names(&self) -> Vec<String> {
        let known = crate::core::ingest::formats::GENERATORS;
        self.generator
            .first()
            .map(|p| Path::new(p).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
            .filter(|n| !n.is_empty() && !known.contains(&n.as_str()))
            .into_iter()
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DecisionSection {
    pub max_failed_recoveries: u32,
    pub min_preserved_fraction: f64,
    pub max_recovery_cost_fraction: f64,
}

impl Default for DecisionSection {
    fn default() -> Self {
        let t = Thresholds::default();
        DecisionSection {
            max_failed_recoveries: t.max_failed_recoveries,
            min_preserved_fraction: t.min_preserved_fraction,
            max_recovery_cost_fraction: t.max_recovery_cost_fraction,
        }
    }
}

impl DecisionSection {
    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            max_failed_recoveries: self.max_failed_recoveries,
            min_preserved_fraction: self.min_preserved_fraction,
            max_recovery_cost_fraction: self.max_recovery_cost_fraction,
        }
    }
}

/// USD per million tokens.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Prices {
    pub input_per_mtok: Option<f64>,
    pub output_per_mtok: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: String, message: String },
}

impl Config {
    /// The user-level config file (`<config_dir>/recover-tui/config.toml`).
    pub fn user_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "recover-tui").map(|d| d.config_dir().join("config.toml"))
    }

    /// Load: explicit file if given, else the user file; then `<state_dir>/config.toml`; then env.
    pub fn load(explicit: Option<&Path>, project_state_dir: Option<&Path>) -> Result<Config, ConfigError> {
        // (path, trusted): the user's own config, then the project's.
        let mut layers: Vec<(PathBuf, bool)> = Vec::new();
        match explicit {
            Some(p) => layers.push((p.to_path_buf(), true)),
            None => layers.extend(Self::user_path().filter(|p| p.is_file()).map(|p| (p, true))),
        }
        if let Some(dir) = project_state_dir {
            let p = dir.join("config.toml");
            if p.is_file() {
                layers.push((p, false));
            }
        }
        let mut merged = toml::Table::new();
        let mut notes = Vec::new();
        for (path, trusted) in &layers {
            let text =
                std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
            let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError::Parse {
                path: path.clone(),
                message: one_line(&e.to_string()),
            })?;
            if !trusted {
                notes.extend(strip_untrusted(&mut table, path));
            }
            merge(&mut merged, table);
        }
        let layers: Vec<PathBuf> = layers.into_iter().map(|(p, _)| p).collect();
        apply_env(&mut merged)?;
        let source = layers.last().cloned().unwrap_or_else(|| PathBuf::from("<defaults>"));
        let config: Config = merged.try_into().map_err(|e: toml::de::Error| ConfigError::Parse {
            path: source.clone(),
            message: one_line(&e.to_string()),
        })?;
        let mut config = config.checked().map_err(|message| ConfigError::Parse { path: source, message })?;
        config.notes = notes;
        Ok(config)
    }

    /// Values out of range are errors naming the key (DESIGN.md §18).
    fn checked(self) -> Result<Config, String> {
        let d = &self.decision;
        let fraction = |key: &str, v: f64| {
            if v.is_finite() && (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!("[decision] {key} = {v} is out of range: a fraction from 0 to 1"))
            }
        };
        fraction("min_preserved_fraction", d.min_preserved_fraction)?;
        fraction("max_recovery_cost_fraction", d.max_recovery_cost_fraction)?;
        if d.max_failed_recoveries < 1 {
            return Err("[decision] max_failed_recoveries = 0 is out of range: at least 1".into());
        }
        if self.commands.timeout_s == 0 {
            return Err("[commands] timeout_s = 0 is out of range: at least 1 second".into());
        }
        if self.commands.concurrency == 0 {
            return Err("[commands] concurrency = 0 is out of range: at least 1".into());
        }
        for (key, price) in
            [("input_per_mtok", self.prices.input_per_mtok), ("output_per_mtok", self.prices.output_per_mtok)]
        {
            if price.is_some_and(|p| !p.is_finite() || p < 0.0) {
                return Err(format!("[prices] {key} is out of range: a price of 0 or more"));
            }
        }
        Ok(self)
    }

    /// Parse one TOML text (used by tests and `config --init` checks).
    pub fn from_toml(text: &str, name: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text)
            .map_err(|e| ConfigError::Parse { path: name.to_path_buf(), message: one_line(&e.to_string()) })?;
        config.checked().map_err(|message| ConfigError::Parse { path: name.to_path_buf(), message })
    }

    /// The extra classify rules as (class, regex) pairs.
    pub fn classify_rules(&self) -> Vec<(String, String)> {
        self.classify.iter().flat_map(|(class, res)| res.iter().map(move |r| (class.clone(), r.clone()))).collect()
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn merge(into: &mut toml::Table, from: toml::Table) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(toml::Value::Table(a)), toml::Value::Table(b)) => merge(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// `RECOVER_TUI_STATE_DIR`, `RECOVER_TUI_DECISION_MAX_FAILED_RECOVERIES`, ... (section_key).
fn apply_env(table: &mut toml::Table) -> Result<(), ConfigError> {
    for (name, value) in std::env::vars() {
        let Some(rest) = name.strip_prefix("RECOVER_TUI_") else { continue };
        let key = rest.to_ascii_lowercase();
        if key == "state_dir" {
            table.insert(key, toml::Value::String(value));
            continue;
        }
        let Some((section, field)) = ["decision", "commands", "prices"]
            .iter()
            .find_map(|s| key.strip_prefix(&format!("{s}_")).map(|f| (*s, f.to_string())))
        else {
            continue;
        };
        let parsed: toml::Value = format!("v = {value}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or(toml::Value::String(value.clone()));
        let entry = table.entry(section.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        match entry {
            toml::Value::Table(t) => {
                t.insert(field, parsed);
            }
            _ => return Err(ConfigError::Env { name, message: format!("[{section}] is not a table") }),
        }
    }
    Ok(())
}

/// The commented default written by `recover-tui config --init`.
pub const DEFAULT_TOML: &str = r#"# recover-tui configuration. Every key is optional; unknown keys are an error.

# state_dir = ".recover"

[commands]
# The generator that re-runs a job. Placeholders: {project_root} {job} {output} {prompt_file}.
# The prompt is on stdin and in {prompt_file}.
generator = ["codex", "exec", "--full-auto", "--json", "-C", "{project_root}", "-"]
# The reviser turns the recovery prompt into a revised generation prompt: a stronger model
# than the generator (recover-tui is built around a Sonnet call). To turn it on, remove the
# `# ` in front of the next line:
# reviser = ["claude", "-p", "--model", "sonnet", "--output-format", "json"]
concurrency = 4
timeout_s = 900

[commands.validate]
# Per-extension validation when a job has none of its own.
py = ["python3", "-m", "py_compile", "{output}"]
rs = ["cargo", "check", "--quiet"]
ts = ["npx", "tsc", "--noEmit"]
go = ["go", "build", "./..."]

[decision]
max_failed_recoveries = 2
min_preserved_fraction = 0.25
max_recovery_cost_fraction = 0.8

[classify]
# Extra rules, tried before the built-in ones: class = [regex, ...]
# architectural = ["contract v2 mismatch"]

[prices]
# USD per million tokens.
# input_per_mtok = 1.25
# output_per_mtok = 10.0
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_toml_parses_to_defaults() {
        let c = Config::from_toml(DEFAULT_TOML, Path::new("default.toml")).unwrap();
        assert_eq!(c.commands, Commands::default());
        assert_eq!(c.decision, DecisionSection::default());
        assert_eq!(c.decision.max_failed_recoveries, 2);
    }

    #[test]
    fn a_configured_generator_is_a_generator_unless_the_readers_know_it() {
        let with =
            |argv: &[&str]| Commands { generator: argv.iter().map(|s| s.to_string()).collect(), ..Commands::default() };
        assert_eq!(with(&["/opt/bin/my-gen", "run"]).generator_names(), ["my-gen"]);
        assert!(with(&["/usr/local/bin/codex", "exec"]).generator_names().is_empty());
        assert!(with(&["claude", "-p"]).generator_names().is_empty());
        assert!(Commands::default().generator_names().is_empty());
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Config::from_toml("[decision]\nmax_failed_recoverys = 3\n", Path::new("c.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("c.toml"), "{msg}");
        assert!(msg.contains("max_failed_recoverys"), "{msg}");
    }

    #[test]
    fn classify_rules_flatten() {
        let c = Config::from_toml("[classify]\narchitectural = [\"contract v2\", \"schema drift\"]\n", Path::new("c"))
            .unwrap();
        assert_eq!(
            c.classify_rules(),
            vec![
                ("architectural".to_string(), "contract v2".to_string()),
                ("architectural".to_string(), "schema drift".to_string())
            ]
        );
    }

    #[test]
    fn values_out_of_range_are_errors_naming_the_key() {
        let bad = [
            ("[decision]\nmin_preserved_fraction = nan\n", "[decision] min_preserved_fraction = NaN is out of range"),
            (
                "[decision]\nmax_recovery_cost_fraction = -inf\n",
                "[decision] max_recovery_cost_fraction = -inf is out of range",
            ),
            ("[decision]\nmin_preserved_fraction = 1.5\n", "[decision] min_preserved_fraction = 1.5 is out of range"),
            ("[decision]\nmax_failed_recoveries = 0\n", "[decision] max_failed_recoveries = 0 is out of range"),
            ("[commands]\ntimeout_s = 0\n", "[commands] timeout_s = 0 is out of range"),
            ("[commands]\nconcurrency = 0\n", "[commands] concurrency = 0 is out of range"),
            ("[prices]\ninput_per_mtok = -3.0\n", "[prices] input_per_mtok is out of range"),
        ];
        for (text, want) in bad {
            let e = Config::from_toml(text, Path::new("/p/.recover/config.toml")).unwrap_err().to_string();
            assert!(e.starts_with("config /p/.recover/config.toml: "), "{e}");
            assert!(e.contains(want), "{text}: {e}");
        }
        assert!(Config::from_toml(
            "[decision]\nmin_preserved_fraction = 0.0\nmax_failed_recoveries = 1\n",
            Path::new("c")
        )
        .is_ok());
    }
}
