//! Every `perp` command on the in-process bank with the localnet's markets (BTC-PERP, SOL-PERP):
//! its table and its JSON, from deposit to withdrawal and history, and bad input refused before
//! anything is sent. The money rules are checked after every transaction (the localnet's checker).
mod common;

use std::str::FromStr;

use clap::Parser;
use perp_cli::{run, Cli, Format, Output, Session};
use perp_client::chain::{error_of, Chain};
use perp_client::pda;
use perp_localnet::localnet::Localnet;
use perp_migrations::config::Config;
use rust_decimal::Decimal;
use serde_json::Value;
use solana_sdk::signature::{Keypair, Signer};

const QUOTE: u64 = 1_000_000;

async fn localnet() -> Localnet {
    let mut net = Localnet::start(&Config::localnet_default()).await.expect("localnet");
    net.check_money_rules_always();
    net
}

async fn wallet(net: &mut Localnet, quote: u64) -> Keypair {
    let (mint, authority) = (net.mint, net.mint_authority.insecure_clone());
    common::wallet(net, &mint, &authority, quote * QUOTE).await
}

/// `perp ARGS` for `wallet` on the bank.
async fn perp(net: &mut Localnet, wallet: &Keypair, args: &str) -> anyhow::Result<Output> {
    let cli = Cli::try_parse_from(std::iter::once("perp").chain(args.split_whitespace()))?;
    let mut session = Session { chain: net, wallet, sub_account: cli.sub_account };
    let output = run(&cli.command, &mut session).await?;
    // Both forms render: the JSON is one document, the table is text.
    assert!(serde_json::from_str::<Value>(&output.render(Format::Json)).is_ok());
    Ok(output)
}

async fn ok(net: &mut Localnet, wallet: &Keypair, args: &str) -> Output {
    perp(net, wallet, args).await.unwrap_or_else(|e| panic!("perp {args}: {e:#}"))
}

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn dec(value: &Value) -> Decimal {
    d(value.as_str().unwrap_or_else(|| panic!("not a decimal string: {value}")))
}

#[tokio::test]
async fn a_wallet_trades_from_deposit_to_withdrawal() {
    let mut net = localnet().await;
    let mint = net.mint;
    let maker = wallet(&mut net, 10_000).await;
    let taker = wallet(&mut net, 1_000).await;

    // deposit opens the trader account first
    let out = ok(&mut net, &maker, "deposit 10000").await;
    assert_eq!(out.json["opened"], true);
    assert_eq!(dec(&out.json["collateral"]), d("10000"));
    assert!(out.text.contains("opened trader account") && out.text.contains("deposited 10000"), "{}", out.text);
    assert_eq!(common::token_balance(&mut net, &maker.pubkey(), &mint).await, 0);
    let out = ok(&mut net, &taker, "deposit 400.5").await;
    assert_eq!(dec(&out.json["collateral"]), d("400.5"));

    // a resting ask and a resting bid (post-only), then a taker's limit buy that fills
    let out = ok(&mut net, &maker, "order BTC-PERP sell 0.05 --price 90100 --type post-only --client-id 7").await;
    assert_eq!((dec(&out.json["filled"]), dec(&out.json["resting"])), (d("0"), d("0.05")));
    ok(&mut net, &maker, "order BTC-PERP buy 0.05 --price 89900 --type post-only --client-id 8").await;
    let out = ok(&mut net, &taker, "order btc-perp long 0.02 --price 90200").await;
    assert_eq!(dec(&out.json["filled"]), d("0.02"));
    assert_eq!(dec(&out.json["average_price"]), d("90100"));
    // 0.02 x 90,100 x 5 bps
    assert_eq!(dec(&out.json["fees"]), d("0.901"));
    assert!(out.text.contains("filled 0.02 at 90100 average in 1 fills, fee 0.901"), "{}", out.text);

    // positions: the program's figures
    let out = ok(&mut net, &taker, "positions").await;
    let p = &out.json["positions"][0];
    assert_eq!((p["market"].as_str(), p["side"].as_str()), (Some("BTC-PERP"), Some("long")));
    assert_eq!((dec(&p["size"]), dec(&p["entry_price"])), (d("0.02"), d("90100")));
    // marked at the oracle (90,000): 0.02 x -100
    assert_eq!(dec(&p["unrealized_pnl"]), d("-2"));
    let liquidation = dec(&p["liquidation_price"]);
    assert!(liquidation > d("60000") && liquidation < d("90000"), "{liquidation}");
    assert!(dec(&p["bankruptcy_price"]) < liquidation);
    // the only long: all of its side's ADL share
    assert_eq!(dec(&p["adl_share"]), d("1"));
    assert!(
        out.text.contains("BTC-PERP") && out.text.contains("long") && out.text.contains("liq price"),
        "{}",
        out.text
    );
    let out = ok(&mut net, &maker, "positions").await;
    assert_eq!(out.json["positions"][0]["side"], "short");

    // account
    let out = ok(&mut net, &taker, "account").await;
    assert_eq!(out.json["markets"][0], "BTC-PERP");
    assert_eq!(dec(&out.json["seat_deposits"]), d("160"));
    assert_eq!(out.json["below_maintenance"], false);
    assert!(out.text.contains("withdrawable") && out.text.contains("above maintenance"), "{}", out.text);

    // funding: APR on equity at 10x is ten times the APR; the taker's own leverage is shown
    let out = ok(&mut net, &taker, "funding").await;
    let rows = out.json["markets"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_eq!(dec(&row["predicted_apr_on_equity_at_10x"]), dec(&row["predicted_apr"]) * d("10"));
    }
    let btc = rows.iter().find(|r| r["market"] == "BTC-PERP").unwrap();
    assert!(dec(&btc["yours"]["leverage"]) > d("4"), "{btc}");
    assert!(out.text.contains("APR on equity at 10x"), "{}", out.text);

    // markets, all and one
    let out = ok(&mut net, &taker, "markets").await;
    let btc = &out.json["markets"][0];
    assert_eq!((btc["symbol"].as_str(), dec(&btc["open_interest"])), (Some("BTC-PERP"), d("0.02")));
    assert_eq!(
        (dec(&btc["tick_size"]), dec(&btc["lot_size"]), dec(&btc["max_leverage"])),
        (d("1"), d("0.001"), d("50"))
    );
    // the bootstrap's 100,000 and its share of the fees so far
    assert!(dec(&out.json["insurance_fund"]) > d("100000"));
    assert!(out.text.contains("BTC-PERP") && out.text.contains("SOL-PERP") && out.text.contains("insurance fund"));
    let out = ok(&mut net, &taker, "markets SOL-PERP").await;
    assert_eq!(out.json["markets"].as_array().unwrap().len(), 1);
    assert!(out.text.contains("margin brackets") && out.text.contains("up to 100000 notional"), "{}", out.text);

    // risk: at -50% the taker (400 of collateral and seat deposit behind a 1,802 long) is
    // bankrupt and the fund pays it all; nothing is left for ADL
    let out = ok(&mut net, &taker, "risk").await;
    let shocks = out.json["shocks"].as_array().unwrap();
    assert_eq!(shocks.len(), 11);
    let crash = shocks.iter().find(|s| s["shock"] == "-0.5").unwrap();
    assert!(dec(&crash["deficit"]) > d("500"), "{crash}");
    assert_eq!(dec(&crash["insurance_pays"]), dec(&crash["deficit"]));
    assert_eq!(dec(&crash["uncovered"]), d("0"));
    let calm = shocks.iter().find(|s| s["shock"] == "0").unwrap();
    assert_eq!(dec(&calm["deficit"]), d("0"));
    assert!(out.text.contains("-50%") && out.text.contains("your ADL loss"), "{}", out.text);

    // a market order: the worst price is the oracle less 1% (on the tick), reduce-only
    let out = ok(&mut net, &taker, "order BTC-PERP sell 0.01 --type market --reduce-only").await;
    assert_eq!((dec(&out.json["price"]), dec(&out.json["filled"])), (d("89100"), d("0.01")));
    assert_eq!(dec(&out.json["average_price"]), d("89900"));

    // cancel one by client id, then all
    let out = ok(&mut net, &maker, "cancel BTC-PERP --client-id 7").await;
    let cancelled = out.json["cancelled"].as_array().unwrap();
    assert_eq!(cancelled.len(), 1);
    assert_eq!((dec(&cancelled[0]["size"]), cancelled[0]["client_id"].as_u64()), (d("0.03"), Some(7)));
    let out = ok(&mut net, &maker, "cancel BTC-PERP --all").await;
    assert_eq!(out.json["cancelled"].as_array().unwrap().len(), 1);

    // withdraw to the associated token account
    let before = ok(&mut net, &taker, "account").await.json["collateral"].clone();
    let out = ok(&mut net, &taker, "withdraw 50").await;
    assert_eq!(dec(&out.json["collateral"]), dec(&before) - d("50"));
    assert_eq!(common::token_balance(&mut net, &taker.pubkey(), &mint).await, 600 * QUOTE - 500_000 + 50 * QUOTE);

    // history: newest first, events decoded
    let out = ok(&mut net, &taker, "history").await;
    let txs = out.json["transactions"].as_array().unwrap();
    assert_eq!(txs.len(), 4, "{txs:?}");
    let names = |tx: &Value| -> Vec<String> {
        tx["events"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_string()).collect()
    };
    assert!(names(&txs[0]).contains(&"CollateralWithdrawn".to_string()));
    assert!(names(&txs[1]).contains(&"OrderFilled".to_string()));
    assert!(names(&txs[3]).starts_with(&["TraderOpened".to_string(), "CollateralDeposited".to_string()]));
    assert!(out.text.contains("CollateralWithdrawn  trader: "), "{}", out.text);
    let out = ok(&mut net, &taker, "history --limit 1").await;
    assert_eq!(out.json["transactions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn account_create_and_close() {
    let mut net = localnet().await;
    let w = wallet(&mut net, 0).await;
    let trader = pda::trader(&w.pubkey(), 3);
    let out = ok(&mut net, &w, "account create --sub-account 3").await;
    assert_eq!(out.json["trader"], trader.to_string());
    assert!(net.account(&trader).await.unwrap().is_some());
    let sent = net.flows.transactions;
    let err = perp(&mut net, &w, "account create --sub-account 3").await.unwrap_err().to_string();
    assert!(err.contains("exists already; nothing sent"), "{err}");
    assert_eq!(net.flows.transactions, sent);
    let out = ok(&mut net, &w, "account --sub-account 3 --output json").await;
    assert_eq!(dec(&out.json["collateral"]), d("0"));
    ok(&mut net, &w, "account close --sub-account 3").await;
    assert!(net.account(&trader).await.unwrap().is_none());
    let err = perp(&mut net, &w, "account --sub-account 3").await.unwrap_err().to_string();
    assert!(err.contains("no trader account") && err.contains("perp account create"), "{err}");
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let mut net = localnet().await;
    let mint = net.mint;
    let w = wallet(&mut net, 1_000).await;
    let fresh = wallet(&mut net, 10).await;
    ok(&mut net, &w, "deposit 500").await;
    let cases = [
        ("order ETH-PERP buy 1 --price 3000", "unknown market \"ETH-PERP\" (markets: BTC-PERP, SOL-PERP)"),
        ("order BTC-PERP buy 0.0005 --price 90000", "size = 0.0005 is not a multiple of the lot size 0.001"),
        ("order BTC-PERP buy 0.001 --price 90000.5", "--price 90000.5 is not on BTC-PERP's tick 1"),
        ("order SOL-PERP buy 1 --price 150.001", "--price 150.001 is not on SOL-PERP's tick 0.01"),
        ("order SOL-PERP buy 1 --price 150.0000001", "--price = 150.0000001 has more than 6 decimal places"),
        ("order BTC-PERP buy 0.001 --type post-only", "--price is required for a PostOnly order"),
        ("order BTC-PERP buy 0 --price 90000", "size must be more than 0"),
        ("deposit 0", "amount must be more than 0"),
        ("deposit 1.0000001", "amount = 1.0000001 has more than 6 decimal places"),
        ("withdraw 0", "amount must be more than 0"),
        ("cancel SOL-PERP --all", "no orders in SOL-PERP"),
        ("history --limit 0", "--limit 0 must be between 1 and 1000"),
    ];
    for (args, expected) in cases {
        let sent = net.flows.transactions;
        let err = perp(&mut net, &w, args).await.expect_err(args);
        assert!(format!("{err:#}").contains(expected), "perp {args}: {err:#}");
        assert_eq!(net.flows.transactions, sent, "perp {args} sent something");
    }
    // a wallet without a trader account
    for args in ["withdraw 1", "positions", "order BTC-PERP buy 0.001 --price 90000"] {
        let err = perp(&mut net, &fresh, args).await.expect_err(args).to_string();
        assert!(err.contains("no trader account"), "perp {args}: {err}");
    }
    // a token account that does not exist
    let nowhere = Keypair::new().pubkey();
    let err = perp(&mut net, &fresh, &format!("deposit 1 --from {nowhere}")).await.unwrap_err().to_string();
    assert!(err.contains(&format!("token account {nowhere} does not exist")), "{err}");
    assert!(net.account(&pda::trader(&fresh.pubkey(), 0)).await.unwrap().is_none());
    // clap refuses what does not parse
    for args in ["order BTC-PERP up 1", "deposit ten", "cancel BTC-PERP", "order BTC-PERP buy 1 --type fok"] {
        assert!(perp(&mut net, &w, args).await.is_err(), "perp {args}");
    }
    assert_eq!(common::token_balance(&mut net, &w.pubkey(), &mint).await, 500 * QUOTE);
}

#[tokio::test]
async fn program_errors_are_named() {
    let mut net = localnet().await;
    let maker = wallet(&mut net, 10_000).await;
    let taker = wallet(&mut net, 500).await;
    ok(&mut net, &maker, "deposit 10000").await;
    ok(&mut net, &maker, "order BTC-PERP sell 1 --price 90100 --type post-only").await;
    ok(&mut net, &taker, "deposit 500").await;
    let before = ok(&mut net, &taker, "account").await.json;
    // 1 BTC on 500 of collateral
    let err = perp(&mut net, &taker, "order BTC-PERP buy 1 --price 90100").await.unwrap_err();
    assert_eq!(error_of(&err), Some(perp::error::PerpError::InsufficientMargin));
    assert!(err.to_string().contains("InsufficientMargin (6051)"), "{err}");
    assert_eq!(ok(&mut net, &taker, "account").await.json, before);
    // withdrawing more than it holds
    let err = perp(&mut net, &taker, "withdraw 500.000001").await.unwrap_err();
    assert_eq!(error_of(&err), Some(perp::error::PerpError::InsufficientCollateral), "{err}");
    assert!(err.to_string().starts_with("transaction rejected: "), "{err}");
    assert_eq!(ok(&mut net, &taker, "account").await.json, before);
}

/// A trader sees an announced (timelocked) change before it takes effect: what changes and when.
#[tokio::test]
async fn an_announced_change_shows_before_it_applies() {
    let mut net = localnet().await;
    let w = wallet(&mut net, 0).await;
    let out = ok(&mut net, &w, "markets").await;
    assert!(out.json["markets"].as_array().unwrap().iter().all(|m| m["pending_update"].is_null()));
    let btc = net.markets.iter().find(|m| m.symbol == "BTC-PERP").unwrap().clone();
    let market = &Config::localnet_default().markets[0];
    let mut raised = market.config(btc.oracle).unwrap();
    raised.maker_fee_ppm += 100;
    let admin = net.admin.insecure_clone();
    let day = perp::state::MIN_MARKET_UPDATE_DELAY_SECS;
    let ix = perp_client::instructions::announce_market_update(
        &admin.pubkey(),
        &btc.address,
        raised,
        perp::MarketStatus::Active,
        day,
    );
    let effective = net.clock().await.unwrap().unix_timestamp + i64::from(day);
    Chain::send(&mut net, &[ix], &[&admin]).await.unwrap();
    let out = ok(&mut net, &w, "markets BTC-PERP").await;
    let pending = &out.json["markets"][0]["pending_update"];
    assert_eq!(pending["changes"], serde_json::json!(["maker_fee_ppm"]));
    assert_eq!(pending["effective_at"].as_i64(), Some(effective));
    assert!(
        out.text.contains(&format!("announced update         maker_fee_ppm from {effective} (Active)")),
        "{}",
        out.text
    );
}

/// The widest transactions the CLI sends (a trader in 8 markets, the most a trader account holds):
/// withdraw with its associated token account created, and an order with the other 7 markets and
/// their oracles, each fit a legacy transaction (1,232 bytes, 64 locks), so the CLI never needs a
/// lookup table; `Session::send` checks every one before sending anyway.
#[test]
fn a_trader_in_eight_markets_fits_legacy_transactions() {
    use perp_client::{instructions, lookup};
    use solana_sdk::pubkey::Pubkey;
    let owner = Keypair::new().pubkey();
    let mint = Pubkey::new_unique();
    let set: Vec<(Pubkey, Pubkey)> =
        (0..perp::state::MAX_MARKETS_PER_TRADER).map(|_| (Pubkey::new_unique(), Pubkey::new_unique())).collect();
    let withdraw = vec![
        instructions::create_associated_token_idempotent(&owner, &owner, &mint),
        instructions::with_margin_set(
            instructions::withdraw(&owner, 0, &pda::associated_token(&owner, &mint), 1),
            &set,
        ),
    ];
    let params = perp::OrderParams {
        side: perp::OrderSide::Buy,
        order_type: perp::OrderType::Limit,
        price: 1,
        base_lots: 1,
        reduce_only: false,
        client_order_id: 0,
    };
    let order = vec![instructions::place_order(&owner, 0, &set[0].0, &set[0].1, params, &set[1..])];
    for (what, ixs) in [("withdraw", withdraw), ("order", order)] {
        let (bytes, locks) = lookup::legacy_size(&owner, &ixs);
        assert!(
            bytes <= lookup::MAX_TX_BYTES && locks <= lookup::MAX_ACCOUNT_LOCKS,
            "{what}: {bytes} bytes, {locks} locks"
        );
    }
}

/// The waterfall's last step as a wallet sees it. A 30% gap, and the bankrupt short's whole
/// opposite side is a newcomer that bought at the oracle with 10x; resolved in turn, its 6,499
/// is written off over all collateral. Before its next transaction, the bystander's `account`
/// shows its share (already out of the collateral shown) and `risk` the totals.
#[tokio::test]
async fn a_written_off_loss_shows_in_account_and_risk() {
    let mut net = perp_tests::localnet_with_insurance(0).await;
    let perp_tests::NewcomerAfterAGap { short, newcomer, bystander, .. } =
        perp_tests::newcomer_after_a_gap(&mut net, 0).await;
    perp_tests::resolve_bankruptcy_logs(&mut net, &short).await;
    perp_tests::resolve_bankruptcy_logs(&mut net, &newcomer).await;

    let out = ok(&mut net, &bystander.owner, "account").await;
    assert_eq!(dec(&out.json["socialized_loss_pending"]), d("1856.857143"));
    assert_eq!(dec(&out.json["collateral"]), d("8143.142857"), "10,000 less its share");
    assert!(
        out.text.contains("socialized loss") && out.text.contains("charged at the next transaction"),
        "{}",
        out.text
    );
    let out = ok(&mut net, &bystander.owner, "risk").await;
    assert_eq!(
        (dec(&out.json["socialized_losses"]), dec(&out.json["socialized_loss_due"]), dec(&out.json["fee_pool_losses"])),
        (d("6499"), d("6499"), d("0"))
    );
    assert!(out.text.contains("written off so far: 0 paid by the fee pool, 6499 socialized"), "{}", out.text);
    // Its next transaction charges it; then nothing is pending.
    ok(&mut net, &bystander.owner, "withdraw 1").await;
    let out = ok(&mut net, &bystander.owner, "account").await;
    assert_eq!(dec(&out.json["socialized_loss_pending"]), d("0"));
    assert_eq!(dec(&out.json["collateral"]), d("8142.142857"));
}
