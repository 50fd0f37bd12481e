//! Placeholder until the rule table lands (replaced by the classifier branch).
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass { Syntax, Import, Type, Test, Placeholder, MissingOutput, Transient, Sandbox, Context, Architectural, Unknown }

impl FailureClass {
    pub fn as_str(&self) -> &'static str {
        match self {
            FailureClass::Syntax => "syntax",
            FailureClass::Import => "import",
            FailureClass::Type => "type",
            FailureClass::Test => "test",
            FailureClass::Placeholder => "placeholder",
            FailureClass::MissingOutput => "missing_output",
            FailureClass::Transient => "transient",
            FailureClass::Sandbox => "sandbox",
            FailureClass::Context => "context",
            FailureClass::Architectural => "architectural",
            FailureClass::Unknown => "unknown",
        }
    }
}
impl std::str::FromStr for FailureClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        for c in [FailureClass::Syntax, FailureClass::Import, FailureClass::Type, FailureClass::Test, FailureClass::Placeholder, FailureClass::MissingOutput, FailureClass::Transient, FailureClass::Sandbox, FailureClass::Context, FailureClass::Architectural, FailureClass::Unknown] {
            if c.as_str() == s { return Ok(c); }
        }
        Err(s.to_string())
    }
}
pub struct Classifier;
impl Default for Classifier { fn default() -> Self { Classifier } }
impl Classifier {
    pub fn classify(&self, _t: &str, _m: &str) -> (FailureClass, Option<String>) { (FailureClass::Unknown, None) }
}
impl Classifier {
    pub fn with_extra(_e: &[(String, String)]) -> Result<Classifier, String> { Ok(Classifier) }
}
impl FailureClass { pub fn hint(&self) -> &'static str { "" } }
