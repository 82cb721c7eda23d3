//! The `perp-keeper` binary as users run it: `localnet` plays the market day or a scenario file
//! (`--describe` prints the bootstrapped exchange and its markets); `localnet --validator` serves
//! JSON-RPC until Ctrl-C (SIGINT) and then exits cleanly; `run` refuses bad input.
#[cfg(feature = "validator")]
use std::io::{BufRead, BufReader};
use std::process::Command;
#[cfg(feature = "validator")]
use std::process::Stdio;

#[cfg(feature = "validator")]
use perp_client::accounts;
#[cfg(feature = "validator")]
use perp_client::chain::Chain;
use perp_client::pda;
#[cfg(feature = "validator")]
use perp_client::rpc::RpcChain;
#[cfg(feature = "validator")]
use solana_sdk::signature::Keypair;

fn keeper() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_perp-keeper"));
    command.env("RUST_LOG", "error");
    command
}

#[test]
fn localnet_prints_the_exchange_and_its_markets() {
    let out = keeper().args(["localnet", "--describe"]).output().expect("run perp-keeper");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("exchange         {}", pda::exchange())), "{text}");
    for symbol in ["BTC-PERP", "SOL-PERP"] {
        assert!(text.contains(&format!("market {symbol}")), "{text}");
    }
    assert!(text.contains("price 90000") && text.contains("price 150"), "{text}");
    assert!(text.contains("seats 0 / 4096"), "{text}");
    assert!(text.contains("insurance fund   deposits 100000  fees 0"), "{text}");
    assert!(
        text.contains("waterfall      penalty 0.5%  to insurance 50%  buffer 0.25%  fund cap per event 2500"),
        "{text}"
    );
}

#[test]
fn localnet_is_quiet_by_default() {
    // No RUST_LOG: the keeper's own lines only; dependencies (Agave, tarpc) log only when asked.
    let out = Command::new(env!("CARGO_BIN_EXE_perp-keeper"))
        .env_remove("RUST_LOG")
        .env("RUST_BACKTRACE", "1")
        .args(["localnet", "--describe"])
        .output()
        .expect("run perp-keeper");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let foreign: Vec<&str> = stderr.lines().filter(|line| !line.contains(" perp_keeper:")).collect();
    assert!(foreign.is_empty(), "dependency output without RUST_LOG:\n{}", foreign.join("\n"));
    assert!(stderr.lines().count() <= 4, "{stderr}");
}

#[test]
fn localnet_runs_the_market_day_and_prints_what_the_waterfall_did() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("day.json");
    let out = keeper().args(["localnet", "--report"]).arg(&report).output().expect("run perp-keeper");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    for heading in
        ["== localnet market day ==", "Liquidations (", "Bankruptcies (", "ADL events (", "Deleveraged (", "Accounts:"]
    {
        assert!(text.contains(heading), "{heading} in {text}");
    }
    assert!(
        text.contains("Money rules: conservation true  symmetry true  solvency true  funding zero-sum true"),
        "{text}"
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let count = |kind: &str| report["events"].as_array().unwrap().iter().filter(|e| e["type"] == kind).count();
    assert!(count("liquidation") > 0 && count("insurance_draw") > 0 && count("adl") > 0, "the crash ends in all three");
    assert_eq!(count("rejected"), 0);
}

#[test]
fn localnet_runs_a_scenario_file_and_writes_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("toy.json");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/toy-trade.toml");
    let out = keeper().args(["localnet", "--scenario", scenario, "--report"]).arg(&report).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(report["traders"]["retail"]["equity"], "8994.8");
    // A file naming an unknown trader stops the run, naming the line.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(scenario).unwrap().replacen("trader = \"retail\"", "trader = \"ghost\"", 1),
    )
    .unwrap();
    let out = keeper().args(["localnet", "--scenario"]).arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.toml: line ") && stderr.contains("unknown trader \"ghost\""), "{stderr}");
}

#[test]
fn run_refuses_a_keypair_file_that_does_not_exist() {
    let out = keeper().args(["run", "--url", "localhost", "--keypair", "/nonexistent/id.json"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/id.json"), "{stderr}");
}

#[test]
fn a_bad_config_is_refused_with_its_reason() {
    let dir = std::env::temp_dir().join(format!("perp-keeper-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, "[exchange]\ntaker_fee_ppm = 500\n").unwrap();
    let out = keeper().args(["localnet", "--config"]).arg(&path).output().expect("run perp-keeper");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing field"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[cfg(feature = "validator")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localnet_validator_serves_rpc_until_ctrl_c() {
    let port = free_port();
    let child = keeper()
        .args(["localnet", "--validator", "--rpc-port", &port.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start perp-keeper");
    let mut child = KillOnDrop(child);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let rpc_url = loop {
        let line = lines.next().expect("perp-keeper exited before printing its URLs").unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(url) = line.strip_prefix("rpc              ") {
            break url.trim().to_string();
        }
    };
    assert!(rpc_url.starts_with("http://") && rpc_url.ends_with(&format!(":{port}")), "{rpc_url}");
    let websocket = lines.next().unwrap().unwrap();
    let ws_port = format!(":{}", port + 1);
    assert!(websocket.starts_with("websocket") && websocket.trim_end_matches('/').ends_with(&ws_port), "{websocket}");
    assert!(printed.contains("market BTC-PERP"), "{printed}");
    // The ledger lives in a temporary folder of its own, removed when the validator stops.
    let ledger = lines.next().unwrap().unwrap();
    let ledger = std::path::PathBuf::from(ledger.strip_prefix("ledger").expect("ledger line").trim());
    assert!(ledger.starts_with(std::env::temp_dir()) && ledger.is_dir(), "{}", ledger.display());

    // Any client can use it: the exchange is there over JSON-RPC.
    let mut chain = RpcChain::new(rpc_url, Keypair::new());
    let account = chain.account(&pda::exchange()).await.unwrap().expect("exchange account");
    assert_eq!(accounts::exchange(&account.data).unwrap().ledger.insurance_fund, 100_000 * 1_000_000);

    // Ctrl-C stops it cleanly.
    let status = Command::new("kill").args(["-INT", &child.0.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.0.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(!ledger.exists(), "ledger left behind at {}", ledger.display());
}

/// The validator process, killed if the test fails before it stops it.
#[cfg(feature = "validator")]
struct KillOnDrop(std::process::Child);

#[cfg(feature = "validator")]
impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(feature = "validator")]
fn free_port() -> u16 {
    // A pair of free ports (RPC and websocket) away from the default 8899.
    for port in (20_000..30_000).step_by(7) {
        let rpc = std::net::TcpListener::bind(("127.0.0.1", port));
        let ws = std::net::TcpListener::bind(("127.0.0.1", port + 1));
        if rpc.is_ok() && ws.is_ok() {
            return port;
        }
    }
    panic!("no free port pair");
}
