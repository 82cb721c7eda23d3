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
    assert_eq!(
        (btc["cumulative_funding_long"].as_str(), btc["cumulative_funding_short"].as_str()),
        (Some("9"), Some("9"))
    );
    assert_eq!(btc["funding_rates"][0]["time"], 1_760_169_600);
    assert_eq!(btc["funding_rates"][0]["rate"], "0.0001");
    assert_eq!(r["insurance_fund"], "0");
    assert_eq!(r["vault"], "1108600");
    assert_eq!(r["fee_pool"], "6.02");
    let fills = report.events("fill");
    assert_eq!(fills.len(), 1);
    let fill = fills[0];
    assert_eq!(
        (fill["step"].as_u64(), fill["maker"].as_str(), fill["taker"].as_str()),
        (Some(2), Some("maker"), Some("retail"))
    );
    assert_eq!(
        (fill["price"].as_str(), fill["size"].as_str(), fill["side"].as_str()),
        (Some("86000"), Some("0.1"), Some("buy"))
    );
    assert_eq!((fill["maker_fee"].as_str(), fill["taker_fee"].as_str()), (Some("1.72"), Some("4.3")));
    let funding = report.events("funding");
    assert_eq!(funding.len(), 1);
    assert_eq!((funding[0]["step"].as_u64(), funding[0]["time"].as_i64()), (Some(5), Some(1_760_169_600)));
    assert_eq!((funding[0]["premium"].as_str(), funding[0]["rate"].as_str()), (Some("0"), Some("0.0001")));
    assert!(report.events("rejected").is_empty());
    assert_invariants(&report);
}

fn dec(v: &Value) -> rust_decimal::Decimal {
    v.as_str().unwrap_or_else(|| panic!("{v} is not a decimal string")).parse().unwrap()
}

#[tokio::test]
async fn funding_follows_the_premium_of_the_book_and_sums_to_zero() {
    let report = run_file("funding.toml").await;
    println!("{}", report.to_json());
    let funding = report.events("funding");
    assert_eq!(funding.len(), 4, "four 1-hour boundaries pass in 4 h of cranks");
    // Bids above the oracle: the premium is positive, longs pay.
    for f in &funding {
        assert!(dec(&f["premium"]) > rust_decimal::Decimal::ZERO, "{f}");
        assert!(dec(&f["rate"]) > rust_decimal::Decimal::ZERO, "{f}");
    }
    let long = &report.0["traders"]["long"]["positions"][0];
    let short = &report.0["traders"]["short"]["positions"][0];
    assert!(dec(&long["funding_paid"]) > rust_decimal::Decimal::ZERO);
    assert!(dec(&short["funding_paid"]) < rust_decimal::Decimal::ZERO);
    assert_invariants(&report);
}

#[tokio::test]
async fn a_liquidation_moves_part_of_the_position_and_a_refused_step_is_recorded() {
    let report = run_file("liquidation.toml").await;
    println!("{}", report.to_json());
    let rejected = report.events("rejected");
    assert_eq!(rejected.len(), 1);
    assert_eq!((rejected[0]["step"].as_u64(), rejected[0]["error"].as_str()), (Some(3), Some("InsufficientMargin")));
    assert!(rejected[0]["message"].as_str().unwrap().contains("margin"));
    let liquidations = report.events("liquidation");
    assert_eq!(liquidations.len(), 1);
    let l = liquidations[0];
    assert_eq!(
        (l["trader"].as_str(), l["liquidator"].as_str(), l["market"].as_str()),
        (Some("retail"), Some("keeper"), Some("BTC-PERP"))
    );
    // Transfer price oracle x (1 - (1 - s) p) = 80,000 x (1 - 0.5 x 0.01).
    assert_eq!(l["price"], "79600");
    assert!(dec(&l["size"]) < rust_decimal::Decimal::new(9, 1), "partial: {l}");
    let retail = &report.0["traders"]["retail"];
    assert_eq!(retail["liquidated"], true);
    assert_eq!(retail["bankrupt"], false);
    // The keeper unwound what it took over through the maker's bid.
    assert_eq!(report.0["keeper"]["positions"].as_array().unwrap().len(), 0, "{}", report.0["keeper"]);
    assert!(report.events("fill").iter().any(|f| f["taker"] == "keeper" && f["maker"] == "maker"));
    assert_invariants(&report);
}

#[tokio::test]
async fn the_insurance_fund_pays_a_deficit_it_covers_and_there_is_no_adl() {
    let report = run_file("insurance-draw.toml").await;
    println!("{}", report.to_json());
    let b = report.events("bankruptcy");
    assert_eq!(b.len(), 1);
    assert_eq!(b[0]["trader"], "retail");
    assert_eq!(b[0]["uncovered"], "0");
    let draws = report.events("insurance_draw");
    assert_eq!(draws.len(), 1);
    assert_eq!(draws[0]["amount"], b[0]["deficit"]);
    assert!(report.events("adl").is_empty() && report.events("adl_settled").is_empty());
    assert_eq!(report.0["traders"]["retail"]["positions"].as_array().unwrap().len(), 0);
    let fund = dec(&report.0["insurance_fund"]);
    assert!(fund < rust_decimal::Decimal::from(10_000), "the fund paid: {fund}");
    assert_invariants(&report);
}

#[tokio::test]
async fn adl_closes_the_same_fraction_of_every_opposite_position() {
    let report = run_file("adl.toml").await;
    println!("{}", report.to_json());
    let bankruptcies = report.events("bankruptcy");
    assert_eq!(bankruptcies.len(), 2, "retail and whale");
    for b in &bankruptcies {
        assert!(dec(&b["uncovered"]) > rust_decimal::Decimal::ZERO, "{b}");
    }
    let adl = report.events("adl");
    assert_eq!(adl.len(), 2);
    // Each bankrupt long closes by selling against the whole short side at once.
    for e in &adl {
        assert_eq!(e["side"], "sell");
    }
    // Pro rata: maker (1.5) and hedger (0.5) give up the same 60% (to a lot), and keep the rest.
    let position = |t: &str| &report.0["traders"][t]["positions"][0];
    let lot = rust_decimal::Decimal::new(1, 3);
    for (t, closed, left) in [("maker", "0.9", "-0.6"), ("hedger", "0.3", "-0.2")] {
        let (c, l) = (dec(&position(t)["adl_closed"]), dec(&position(t)["base"]));
        assert!((c - closed.parse::<rust_decimal::Decimal>().unwrap()).abs() <= lot, "{t} closed {c}");
        assert!((l - left.parse::<rust_decimal::Decimal>().unwrap()).abs() <= lot, "{t} keeps {l}");
    }
    assert_eq!(report.0["traders"]["steady"]["deleveraged"], false, "the winning side only");
    for t in ["maker", "hedger"] {
        assert_eq!(report.0["traders"][t]["deleveraged"], true);
    }
    assert_eq!(report.0["traders"]["retail"]["bankrupt"], true);
    let settled = report.events("adl_settled");
    assert!(settled.iter().any(|e| e["trader"] == "maker") && settled.iter().any(|e| e["trader"] == "hedger"));
    assert_invariants(&report);
}

/// The waterfall's last step through the keeper: the newcomer that ADL took below zero is
/// resolved by the next bankruptcy crank and its 6,300 written off over all collateral (the long's
/// 25,037.5, the bystander's 10,000 and the keeper's 100,000: 135,037.5), pro rata.
#[tokio::test]
async fn a_deficit_no_position_can_bear_is_written_off_over_all_collateral() {
    let report = run_file("write-off.toml").await;
    println!("{}", report.to_json());
    let bankruptcies = report.events("bankruptcy");
    assert_eq!(bankruptcies.iter().map(|b| b["trader"].as_str().unwrap()).collect::<Vec<_>>(), ["short", "newcomer"]);
    let write_offs = report.events("write_off");
    assert_eq!(write_offs.len(), 1);
    let w = write_offs[0];
    assert_eq!((w["trader"].as_str(), w["amount"].as_str()), (Some("newcomer"), Some("6300")));
    assert_eq!(
        (w["fee_pool_paid"].as_str(), w["socialized"].as_str(), w["unplaced"].as_str()),
        (Some("0"), Some("6300"), Some("0"))
    );
    let traders = &report.0["traders"];
    assert_eq!(traders["newcomer"]["equity"], "0");
    // 6,300 x 10,000 / 135,037.5 = 466.537..., rounded up.
    assert_eq!(traders["bystander"]["collateral"], "9533.462926");
    assert_eq!(report.0["keeper"]["collateral"], "95334.629269");
    assert_invariants(&report);
}
