//! Scenario files run through the real program on the in-process bank, with the keeper's cranks.
use perp_keeper::scenario::report::Report;
use perp_keeper::scenario::{run, Scenario};
use serde_json::Value;

async fn run_file(name: &str) -> Report {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios").join(name);
    let scenario = Scenario::load(&path).unwrap();
    run::on_localnet(&scenario, |_| {}).await.unwrap()
}

fn assert_invariants(report: &Report) {
    let inv = &report.0["invariants"];
    for rule in ["conservation", "symmetry", "solvency", "funding_zero_sum"] {
        assert_eq!(inv[rule], Value::Bool(true), "{rule}: {}", inv["details"]);
    }
}

#[tokio::test]
async fn the_seed_toy_trade_reports_the_figures_of_scenario_md() {
    let report = run_file("toy-trade.toml").await;
    let r = &report.0;
    println!("{}", report.to_json());
    assert_eq!(r["scenario"], "seed toy trade");
    let retail = &r["traders"]["retail"];
    assert_eq!(retail["collateral"], "8595.7");
    assert_eq!(retail["equity"], "8994.8");
    let position = &retail["positions"][0];
    assert_eq!(position["market"], "BTC-PERP");
    assert_eq!(position["base"], "0.1");
    assert_eq!(position["entry_price"], "86000");
    assert_eq!(position["unrealized_pnl"], "400");
    assert_eq!(position["funding_paid"], "0.9");
    assert_eq!(position["adl_share"], "1");
    assert_eq!(position["adl_closed"], "0");
    assert_eq!(retail["liquidated"], false);
    assert_eq!(r["traders"]["maker"]["collateral"], "99998.28");
    assert_eq!(r["traders"]["maker"]["equity"], "99599.18");
    assert_eq!(r["keeper"]["collateral"], "1000000");
    let btc = &r["markets"]["BTC-PERP"];
    assert_eq!(btc["oracle_price"], "90000");
    assert_eq!((btc["open_interest_long"].as_str(), btc["open_interest_short"].as_str()), (Some("0.1"), Some("0.1")));
    assert_eq!((btc["cumulative_funding_long"].as_str(), btc["cumulative_funding_short"].as_str()), (Some("9"), Some("9")));
    assert_eq!(btc["funding_rates"][0]["time"], 1_760_169_600);
    assert_eq!(btc["funding_rates"][0]["rate"], "0.0001");
    assert_eq!(r["insurance_fund"], "0");
    assert_eq!(r["vault"], "1108600");
    assert_eq!(r["fee_pool"], "6.02");
    let fills = report.events("fill");
    assert_eq!(fills.len(), 1);
    let fill = fills[0];
    assert_eq!((fill["step"].as_u64(), fill["maker"].as_str(), fill["taker"].as_str()), (Some(2), Some("maker"), Some("retail")));
    assert_eq!((fill["price"].as_str(), fill["size"].as_str(), fill["side"].as_str()), (Some("86000"), Some("0.1"), Some("buy")));
    assert_eq!((fill["maker_fee"].as_str(), fill["taker_fee"].as_str()), (Some("1.72"), Some("4.3")));
    let funding = report.events("funding");
    assert_eq!(funding.len(), 1);
    assert_eq!((funding[0]["step"].as_u64(), funding[0]["time"].as_i64()), (Some(5), Some(1_760_169_600)));
    assert_eq!((funding[0]["premium"].as_str(), funding[0]["rate"].as_str()), (Some("0"), Some("0.0001")));
    assert!(report.events("rejected").is_empty());
    assert_invariants(&report);
}
