//! The rationale trail: one typed id per step (`Q1`..`Q3`, `R1`..`R7`), the step as recorded,
//! and the small formatting helpers every answer uses.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A step of the trail: a question or a verdict rule. Serialized as `"Q1"` .. `"R7"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum StepId {
    Q1,
    Q2,
    Q3,
    R1,
    R2,
    R3,
    R4,
    R5,
    R6,
    R7,
}

impl StepId {
    pub const ALL: [StepId; 10] = [
        StepId::Q1,
        StepId::Q2,
        StepId::Q3,
        StepId::R1,
        StepId::R2,
        StepId::R3,
        StepId::R4,
        StepId::R5,
        StepId::R6,
        StepId::R7,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepId::Q1 => "Q1",
            StepId::Q2 => "Q2",
            StepId::Q3 => "Q3",
            StepId::R1 => "R1",
            StepId::R2 => "R2",
            StepId::R3 => "R3",
            StepId::R4 => "R4",
            StepId::R5 => "R5",
            StepId::R6 => "R6",
            StepId::R7 => "R7",
        }
    }

    pub fn is_question(self) -> bool {
        matches!(self, StepId::Q1 | StepId::Q2 | StepId::Q3)
    }

    pub fn is_rule(self) -> bool {
        !self.is_question()
    }

    /// The few words naming the step in a picture.
    pub fn title(self) -> &'static str {
        match self {
            StepId::Q1 => "Failure boundary",
            StepId::Q2 => "Later batches depend on the repair?",
            StepId::Q3 => "Systemic?",
            StepId::R1 => "Escalation",
            StepId::R2 => "Systemic",
            StepId::R3 => "Unidentifiable",
            StepId::R4 => "Little to preserve",
            StepId::R5 => "Recovery not cheaper",
            StepId::R6 => "Transient",
            StepId::R7 => "Otherwise",
        }
    }
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// `"Q2"`, `"q2"`, `" R7 "`.
impl FromStr for StepId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_uppercase();
        StepId::ALL.into_iter().find(|id| id.as_str() == wanted).ok_or_else(|| format!("no step `{}`", s.trim()))
    }
}

/// One step of the trail as the user reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub step: StepId,
    pub question: String,
    pub answer: String,
    pub evidence: Vec<String>,
    /// The user's reason when the answer was overridden.
    pub overridden: Option<String>,
    /// For rules: whether the rule's condition holds (the first that fires sets the verdict).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fired: Option<bool>,
    /// For rules: whether this is the rule that set the verdict (exactly one is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided: Option<bool>,
    /// The answer as yes / no, where the step has one (Q2, Q3, every rule), so nothing reads
    /// it back from the prose.
    #[serde(skip)]
    pub yes: Option<bool>,
}

impl Step {
    pub fn question(id: StepId, question: &str, answer: String, evidence: Vec<String>) -> Step {
        Step {
            step: id,
            question: question.into(),
            answer,
            evidence,
            overridden: None,
            fired: None,
            decided: None,
            yes: None,
        }
    }
}

pub fn list(v: &[u32]) -> String {
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

pub fn list_or(v: &[u32], none: &str) -> String {
    if v.is_empty() {
        none.into()
    } else {
        list(v)
    }
}

/// `12,345` for whole numbers, one decimal otherwise.
pub fn fmt_num(x: f64) -> String {
    if x.fract() != 0.0 {
        return format!("{x:.1}");
    }
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

pub fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_ids_serialize_as_the_strings_on_disk() {
        assert_eq!(serde_json::to_string(&StepId::Q2).unwrap(), "\"Q2\"");
        assert_eq!(serde_json::from_str::<StepId>("\"R7\"").unwrap(), StepId::R7);
        assert_eq!("q3".parse::<StepId>(), Ok(StepId::Q3));
        assert!("Q9".parse::<StepId>().is_err());
        let m: std::collections::BTreeMap<StepId, u8> = [(StepId::Q3, 1)].into();
        assert_eq!(serde_json::to_string(&m).unwrap(), "{\"Q3\":1}");
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(fmt_num(39000.0), "39,000");
        assert_eq!(fmt_num(999.0), "999");
        assert_eq!(fmt_num(1234567.0), "1,234,567");
        assert_eq!(fmt_num(12.5), "12.5");
    }
}
