//! `perp history`: the trader account's transactions, newest first, each with the program events
//! it emitted, decoded (the node's `getSignaturesForAddress` and `getTransaction`).
use perp_client::chain::{Chain, Rejected};
use perp_client::events;
use serde_json::json;

use crate::output::Output;
use crate::session::Session;

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` UTC (days to civil date: H. Hinnant's algorithm).
pub fn utc(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", secs / 3_600, secs % 3_600 / 60, secs % 60)
}

pub async fn show<C: Chain>(session: &mut Session<'_, C>, limit: usize) -> anyhow::Result<Output> {
    anyhow::ensure!((1..=1_000).contains(&limit), "--limit {limit} must be between 1 and 1000");
    let trader = session.trader_address();
    let entries = session.chain.history(&trader, limit).await?;
    let mut text = String::new();
    let mut rows = Vec::new();
    for entry in &entries {
        let decoded = events::all(&entry.logs);
        let status = match &entry.error {
            None => "ok".to_string(),
            Some(e) => Rejected(e.clone()).to_string(),
        };
        let time = entry.block_time.map(utc).unwrap_or_else(|| "-".into());
        text.push_str(&format!("{time}  slot {}  {}  {status}\n", entry.slot, entry.signature));
        for event in &decoded {
            text.push_str(&format!("    {}  {}\n", event.name, event.fields));
        }
        rows.push(json!({
            "signature": entry.signature.to_string(), "slot": entry.slot, "block_time": entry.block_time,
            "error": entry.error.as_ref().map(|e| Rejected(e.clone()).to_string()),
            "events": decoded.iter().map(|e| json!({ "name": e.name, "fields": e.fields })).collect::<Vec<_>>(),
        }));
    }
    if entries.is_empty() {
        text.push_str(&format!("no transactions for trader account {trader}\n"));
    }
    Ok(Output { text, json: json!({ "trader": trader.to_string(), "transactions": rows }) })
}

#[cfg(test)]
mod tests;
