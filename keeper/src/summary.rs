//! The readable end of a run: tables of what the waterfall did (liquidations, bankruptcies and
//! insurance draws, ADL), the insurance fund, the money rules and every account.
use std::fmt::Write;

use serde_json::Value;

use crate::scenario::report::Report;

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// Rows as a table with a header, columns padded to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>, out: &mut String| {
        let padded: Vec<String> = cells.iter().enumerate().map(|(i, c)| format!("{c:<w$}", w = widths[i])).collect();
        let _ = writeln!(out, "  {}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect(), &mut out);
    line(widths.iter().map(|w| "-".repeat(*w)).collect(), &mut out);
    for row in rows {
        line(row.clone(), &mut out);
    }
    out
}

/// The summary of a report.
pub fn summary(report: &Report) -> String {
    let r = &report.0;
    let mut out = String::new();
    let _ = writeln!(out, "\n== {} ==", s(&r["scenario"]));
    let rows = |kind: &str, fields: &[&str]| -> Vec<Vec<String>> {
        report.events(kind).iter().map(|e| fields.iter().map(|f| s(&e[*f])).collect()).collect()
    };
    let fills = report.events("fill").len();
    let funding = report.events("funding").len();
    let rejected = report.events("rejected").len();
    let _ = writeln!(out, "fills {fills}   funding intervals applied {funding}   rejected steps {rejected}");

    let liquidations =
        rows("liquidation", &["step", "trader", "market", "size", "price", "penalty", "insurance_part", "liquidator"]);
    let _ = writeln!(out, "\nLiquidations ({}):", liquidations.len());
    if !liquidations.is_empty() {
        out.push_str(&table(
            &["step", "trader", "market", "size", "transfer price", "penalty", "to insurance", "by"],
            &liquidations,
        ));
    }
    let bankruptcies = rows("bankruptcy", &["step", "trader", "deficit", "insurance_paid", "uncovered"]);
    let _ = writeln!(
        out,
        "\nBankruptcies ({}): the insurance fund pays first, ADL takes what it did not cover",
        bankruptcies.len()
    );
    if !bankruptcies.is_empty() {
        out.push_str(&table(&["step", "trader", "deficit", "fund paid", "uncovered (ADL)"], &bankruptcies));
    }
    let write_offs = rows("write_off", &["step", "trader", "amount", "fee_pool_paid", "socialized", "unplaced"]);
    if !write_offs.is_empty() {
        let _ = writeln!(
            out,
            "\nWritten off ({}): what no position could bear, the fee pool first, then all collateral pro rata",
            write_offs.len()
        );
        out.push_str(&table(&["step", "trader", "amount", "fee pool paid", "socialized", "unplaced"], &write_offs));
    }
    let adl = rows("adl", &["step", "bankrupt", "market", "side", "size", "price", "fraction"]);
    let _ = writeln!(out, "\nADL events ({}): the bankrupt position closes against the whole opposite side", adl.len());
    if !adl.is_empty() {
        out.push_str(&table(&["step", "bankrupt", "market", "close", "size", "bankruptcy price", "fraction f"], &adl));
    }
    // Deleveraged positions, summed per trader and market.
    let mut closed: std::collections::BTreeMap<(String, String), (rust_decimal::Decimal, rust_decimal::Decimal)> =
        Default::default();
    for e in report.events("adl_settled") {
        let size: rust_decimal::Decimal = s(&e["size"]).parse().unwrap_or_default();
        let pnl: rust_decimal::Decimal = s(&e["realized_pnl"]).parse().unwrap_or_default();
        let entry = closed.entry((s(&e["trader"]), s(&e["market"]))).or_default();
        entry.0 += size;
        entry.1 += pnl;
    }
    let _ = writeln!(out, "\nDeleveraged ({} positions):", closed.len());
    if !closed.is_empty() {
        let rows: Vec<Vec<String>> = closed
            .iter()
            .map(|((t, m), (size, pnl))| {
                vec![t.clone(), m.clone(), size.normalize().to_string(), pnl.normalize().to_string()]
            })
            .collect();
        out.push_str(&table(&["trader", "market", "closed by ADL", "realized pnl"], &rows));
    }
    let drawn: rust_decimal::Decimal = report
        .events("insurance_draw")
        .iter()
        .map(|e| s(&e["amount"]).parse::<rust_decimal::Decimal>().unwrap_or_default())
        .sum();
    let _ = writeln!(
        out,
        "\nInsurance fund {}   paid to bankrupt accounts {}   vault {}   fee pool {}",
        s(&r["insurance_fund"]),
        drawn.normalize(),
        s(&r["vault"]),
        s(&r["fee_pool"])
    );
    let inv = &r["invariants"];
    let _ = writeln!(
        out,
        "Money rules: conservation {}  symmetry {}  solvency {}  funding zero-sum {}  ({})",
        inv["conservation"],
        inv["symmetry"],
        inv["solvency"],
        inv["funding_zero_sum"],
        s(&inv["details"])
    );
    let mut accounts = Vec::new();
    let mut add = |name: &str, t: &Value| {
        let positions: Vec<String> = t["positions"]
            .as_array()
            .map(|ps| ps.iter().map(|p| format!("{} {}", s(&p["market"]), s(&p["base"]))).collect())
            .unwrap_or_default();
        let flags: Vec<&str> = [("liquidated", "liquidated"), ("bankrupt", "bankrupt"), ("deleveraged", "deleveraged")]
            .iter()
            .filter(|(k, _)| t[*k] == Value::Bool(true))
            .map(|(_, v)| *v)
            .collect();
        accounts.push(vec![
            name.to_string(),
            s(&t["collateral"]),
            s(&t["equity"]),
            if positions.is_empty() { "-".into() } else { positions.join(", ") },
            flags.join(" "),
        ]);
    };
    if let Some(traders) = r["traders"].as_object() {
        for (name, t) in traders {
            add(name, t);
        }
    }
    add("keeper", &r["keeper"]);
    let _ = writeln!(out, "\nAccounts:");
    out.push_str(&table(&["trader", "collateral", "equity", "positions", "waterfall"], &accounts));
    out
}
