//! What a command prints: a table for people, or JSON for scripts (`--output json`), built from
//! the same figures.
use std::fmt::Write;

use clap::ValueEnum;
use serde_json::Value;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned tables.
    #[default]
    Table,
    /// One JSON document.
    Json,
}

/// A command's result in both forms.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    pub text: String,
    pub json: Value,
}

impl Output {
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.text.clone(),
            Format::Json => format!("{:#}\n", self.json),
        }
    }
}

/// A table: the first column left-aligned, the others right-aligned (numbers), two spaces apart.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            let width = widths.get(i).copied().unwrap_or(0);
            if i == 0 {
                let _ = write!(text, "{cell:<width$}");
            } else {
                let _ = write!(text, "  {cell:>width$}");
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&mut out, &mut headers.iter().copied());
    for row in rows {
        line(&mut out, &mut row.iter().map(String::as_str));
    }
    out
}

/// `key  value` lines, keys aligned.
pub fn pairs(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (key, value) in rows {
        let _ = writeln!(out, "{key:<width$}  {value}");
    }
    out
}

#[cfg(test)]
mod tests;

/// A fraction as a percentage for tables, to 4 decimal places (JSON keeps the exact fraction).
pub fn percent(fraction: rust_decimal::Decimal) -> String {
    let value = (fraction * rust_decimal::Decimal::ONE_HUNDRED).round_dp(4).normalize();
    format!("{value}%")
}

/// Exact decimal text (JSON values and table cells).
pub fn num(value: rust_decimal::Decimal) -> String {
    perp_client::units::text(value)
}
