//! `json`: the report as schema `mailaudit/report/v1`.

use crate::report::Report;

pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("a report always serialises");
    text.push('\n');
    text
}
