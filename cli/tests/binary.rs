//! The `perp` binary as users run it: bad input gets one line naming it and a non-zero exit
//! (nothing sent); with the `validator` feature, the main flows over JSON-RPC against Agave's
//! real TestValidator (deposit, order, positions, withdraw, history), with the Solana CLI's
//! config file supplying the defaults.
use std::path::Path;
use std::process::{Command, Output};

use solana_sdk::signature::Keypair;

#[cfg(feature = "validator")]
mod common;

fn perp(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_perp"));
    // A home of the test's own: the machine's Solana CLI config must not leak in.
    command.env("HOME", home).env("RUST_LOG", "error");
    command
}

fn write_keypair(path: &Path, keypair: &Keypair) {
    std::fs::write(path, serde_json::to_string(&keypair.to_bytes().to_vec()).unwrap()).unwrap();
}

fn stderr_line(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(text.trim_end().lines().count(), 1, "one line expected: {text}");
    text.trim_end().to_string()
}

#[test]
fn bad_input_gets_one_line_and_a_non_zero_exit() {
    let home = tempfile::tempdir().unwrap();
    let keypair = home.path().join("id.json");
    write_keypair(&keypair, &Keypair::new());
    let key = keypair.to_str().unwrap();
    let cases: [(&[&str], &str, i32); 6] = [
        (&["-k", "/nonexistent/id.json", "markets"], "keypair /nonexistent/id.json: No such file", 1),
        (&["-k", key, "-u", "http://127.0.0.1:9", "markets"], "RPC http://127.0.0.1:9 does not answer", 1),
        (&["-k", key, "order", "BTC-PERP", "up", "1"], "invalid value 'up' for '<SIDE>'", 2),
        (&["-k", key, "deposit", "ten"], "invalid value 'ten' for '<AMOUNT>'", 2),
        (&["-k", key, "cancel", "BTC-PERP"], "the following required arguments were not provided", 2),
        (&["-k", key, "--output", "yaml", "markets"], "invalid value 'yaml' for '--output <OUTPUT>'", 2),
    ];
    for (args, expected, code) in cases {
        let out = perp(home.path()).args(args).output().expect("run perp");
        let line = stderr_line(&out);
        assert!(line.contains(expected), "perp {args:?}: {line}");
        assert_eq!(out.status.code(), Some(code), "perp {args:?}: {line}");
        assert!(out.stdout.is_empty());
    }
    // a keypair file that is not a keypair
    std::fs::write(&keypair, "[1, 2, 3]").unwrap();
    let out = perp(home.path()).args(["-k", key, "markets"]).output().unwrap();
    assert!(stderr_line(&out).contains(&format!("keypair {key}")), "{}", stderr_line(&out));
}

#[test]
fn help_names_every_command() {
    let home = tempfile::tempdir().unwrap();
    let out = perp(home.path()).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for command in
        ["markets", "account", "deposit", "withdraw", "order", "cancel", "positions", "funding", "risk", "history"]
    {
        assert!(text.contains(&format!("  {command} ")), "{command} missing from --help:\n{text}");
    }
}

#[cfg(feature = "validator")]
mod over_json_rpc {
    use super::*;
    use anchor_lang::AccountDeserialize;
    use perp::state::PushOracle;
    use perp_client::chain::Chain;
    use perp_client::instructions;
    use perp_localnet::validator::LocalValidator;
    use perp_migrations::config::Config;
    use serde_json::Value;
    use solana_sdk::signature::Signer;

    use crate::common;

    fn json(out: &Output) -> Value {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    /// Pushes each market's oracle again at the wall clock (the validator's clock follows it), so
    /// the orders below never meet a stale price however slow the machine.
    async fn fresh_prices(net: &LocalValidator) {
        let mut chain = net.chain();
        let authority = net.deployment.oracle_authority.insecure_clone();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        for market in &net.deployment.markets {
            let account = chain.account(&market.oracle).await.unwrap().unwrap();
            let oracle = PushOracle::try_deserialize(&mut account.data.as_slice()).unwrap();
            let time = now.max(oracle.publish_time + 1);
            let ix =
                instructions::update_push_oracle(&authority.pubkey(), &market.oracle, oracle.price, oracle.conf, time);
            chain.send(&[ix], &[&authority]).await.expect("push");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deposit_order_positions_withdraw_history() {
        let net = LocalValidator::start(&Config::localnet_default(), None).await.expect("validator");
        let url = net.validator.rpc_url();
        let mut chain = net.chain();
        let (mint, authority) = (net.deployment.mint, net.deployment.mint_authority.insecure_clone());
        let maker = common::wallet(&mut chain, &mint, &authority, 10_000_000_000).await;
        let taker = common::wallet(&mut chain, &mint, &authority, 1_000_000_000).await;

        // The taker's defaults come from its Solana CLI config; the maker passes -u and -k.
        let taker_home = tempfile::tempdir().unwrap();
        let config_dir = taker_home.path().join(".config/solana/cli");
        std::fs::create_dir_all(&config_dir).unwrap();
        write_keypair(&taker_home.path().join("taker.json"), &taker);
        std::fs::write(
            config_dir.join("config.yml"),
            format!(
                "---\njson_rpc_url: \"{url}\"\nkeypair_path: {}\ncommitment: confirmed\n",
                taker_home.path().join("taker.json").display()
            ),
        )
        .unwrap();
        let maker_home = tempfile::tempdir().unwrap();
        let maker_key = maker_home.path().join("maker.json");
        write_keypair(&maker_key, &maker);
        let as_maker = |args: &[&str]| {
            let mut all = vec!["-u", url.as_str(), "-k", maker_key.to_str().unwrap(), "--output", "json"];
            all.extend_from_slice(args);
            perp(maker_home.path()).args(all).output().expect("run perp")
        };
        let as_taker = |args: &[&str]| {
            let mut all = vec!["--output", "json"];
            all.extend_from_slice(args);
            perp(taker_home.path()).args(all).output().expect("run perp")
        };

        assert_eq!(json(&as_maker(&["deposit", "10000"]))["collateral"], "10000");
        assert_eq!(json(&as_taker(&["deposit", "500"]))["opened"], true);
        let markets = json(&as_taker(&["markets"]));
        assert_eq!(markets["markets"].as_array().unwrap().len(), 2);

        fresh_prices(&net).await;
        let ask = json(&as_maker(&["order", "BTC-PERP", "sell", "0.05", "--price", "90100", "--type", "post-only"]));
        assert_eq!(ask["resting"], "0.05");
        let buy = json(&as_taker(&["order", "BTC-PERP", "buy", "0.02", "--price", "90100", "--type", "ioc"]));
        assert_eq!((buy["filled"].as_str(), buy["average_price"].as_str()), (Some("0.02"), Some("90100")));

        let positions = json(&as_taker(&["positions"]));
        let p = &positions["positions"][0];
        assert_eq!(
            (p["market"].as_str(), p["side"].as_str(), p["size"].as_str()),
            (Some("BTC-PERP"), Some("long"), Some("0.02"))
        );
        assert!(p["liquidation_price"].is_string());

        let before = common::token_balance(&mut chain, &taker.pubkey(), &mint).await;
        let withdrawn = json(&as_taker(&["withdraw", "100"]));
        assert_eq!(withdrawn["amount"], "100");
        assert_eq!(common::token_balance(&mut chain, &taker.pubkey(), &mint).await, before + 100_000_000);

        // history from the node's own transaction history, newest first, events decoded
        let history = json(&as_taker(&["history"]));
        let txs = history["transactions"].as_array().unwrap();
        assert_eq!(txs.len(), 3, "{txs:?}");
        let names = |tx: &Value| -> Vec<String> {
            tx["events"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_string()).collect()
        };
        assert!(names(&txs[0]).contains(&"CollateralWithdrawn".to_string()), "{txs:?}");
        assert!(names(&txs[1]).contains(&"OrderFilled".to_string()), "{txs:?}");
        assert!(names(&txs[2]).contains(&"TraderOpened".to_string()), "{txs:?}");
        assert!(txs.iter().all(|tx| tx["block_time"].is_i64() && tx["error"].is_null()));

        // a program rejection over JSON-RPC: named, one line, exit 1, nothing changed
        let account = json(&as_taker(&["account"]));
        let out = as_taker(&["order", "BTC-PERP", "buy", "1", "--price", "90100"]);
        assert_eq!(out.status.code(), Some(1));
        let line = stderr_line(&out);
        assert!(line.contains("InsufficientMargin (6051)"), "{line}");
        assert_eq!(json(&as_taker(&["account"])), account);
        let mut books = perp_client::money::read_books(&mut chain).await.unwrap().expect("the exchange");
        let verdict = perp_client::money::check(&mut books).unwrap();
        assert!(verdict.all_hold(), "{:?}", verdict.details);
    }
}
