//! The keeper's counters, and an optional Prometheus text endpoint (`--metrics-addr`).
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What one crank did since the keeper started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrankStats {
    pub runs: u64,
    /// Transactions that landed.
    pub landed: u64,
    /// Transactions another keeper had made unnecessary (the race's loser's specific error).
    pub already_done: u64,
    /// Transactions rejected for another reason, or not sent (RPC errors).
    pub errors: u64,
    /// Wall time of the crank's runs, summed, microseconds.
    pub micros: u64,
}

/// The keeper's gauges and per-crank counters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Gauges {
    pub accounts_tracked: u64,
    pub below_maintenance: u64,
    pub bankrupt: u64,
    /// Token units.
    pub insurance_fund: u64,
}

/// A counter's name, help text and how to read it from a crank's stats.
type Counter = (&'static str, &'static str, fn(&CrankStats) -> String);

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<(BTreeMap<&'static str, CrankStats>, Gauges)>,
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn with<R>(&self, f: impl FnOnce(&mut (BTreeMap<&'static str, CrankStats>, Gauges)) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    /// Adds one run of `crank` (its counts and duration).
    pub fn record(&self, crank: &'static str, run: CrankStats, took: Duration) {
        self.with(|(cranks, _)| {
            let s = cranks.entry(crank).or_default();
            s.runs += 1;
            s.landed += run.landed;
            s.already_done += run.already_done;
            s.errors += run.errors;
            s.micros += u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        });
    }

    pub fn set_gauges(&self, gauges: Gauges) {
        self.with(|(_, g)| *g = gauges);
    }

    pub fn crank(&self, crank: &str) -> CrankStats {
        self.with(|(cranks, _)| cranks.get(crank).copied().unwrap_or_default())
    }

    pub fn gauges(&self) -> Gauges {
        self.with(|(_, g)| g.clone())
    }

    /// The Prometheus text exposition of every counter and gauge.
    pub fn render(&self) -> String {
        self.with(|(cranks, g)| {
            let mut out = String::new();
            let counters: [Counter; 5] = [
                ("perp_keeper_crank_runs_total", "Runs of each crank.", |s| s.runs.to_string()),
                ("perp_keeper_crank_landed_total", "Transactions of each crank that landed.", |s| s.landed.to_string()),
                (
                    "perp_keeper_crank_already_done_total",
                    "Transactions another keeper made unnecessary (counted as done).",
                    |s| s.already_done.to_string(),
                ),
                ("perp_keeper_crank_errors_total", "Rejected or unsent transactions of each crank.", |s| {
                    s.errors.to_string()
                }),
                ("perp_keeper_crank_seconds_total", "Wall time spent in each crank.", |s| {
                    format!("{}.{:06}", s.micros / 1_000_000, s.micros % 1_000_000)
                }),
            ];
            for (name, help, value) in counters {
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
                for (crank, stats) in cranks.iter() {
                    let _ = writeln!(out, "{name}{{crank=\"{crank}\"}} {}", value(stats));
                }
            }
            let gauges = [
                ("perp_keeper_accounts_tracked", "Trader accounts the keeper prices.", g.accounts_tracked.to_string()),
                (
                    "perp_keeper_accounts_below_maintenance",
                    "Accounts below maintenance at the last scan.",
                    g.below_maintenance.to_string(),
                ),
                (
                    "perp_keeper_accounts_bankrupt",
                    "Accounts below zero equity at the last scan.",
                    g.bankrupt.to_string(),
                ),
                (
                    "perp_keeper_insurance_fund_quote",
                    "The insurance fund's balance, quote.",
                    crate::units::text(crate::units::quote_u(g.insurance_fund)),
                ),
            ];
            for (name, help, value) in gauges {
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
            }
            out
        })
    }
}

/// Serves `metrics` as Prometheus text on `listener` (any path) until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, metrics: Arc<Metrics>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { continue };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut request = [0u8; 1024];
            // The request itself does not matter: read what came, answer with the metrics.
            let _ = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut request)).await;
            let body = metrics.render();
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests;
