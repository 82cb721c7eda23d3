//! The keeper over JSON-RPC against Agave's real TestValidator: the same scenario runner and
//! cranks as on the in-process bank, `getProgramAccounts` with filters, `getMultipleAccounts` in
//! batches, compute-budget instructions on the landed transactions, and `service::run` (the
//! `perp-keeper run` loop) cleaning up after a price drop.
#![cfg(feature = "validator")]

use perp::{OrderSide, OrderType};
use perp_client::chain::{Chain, MULTIPLE_ACCOUNTS_BATCH};
use perp_keeper::cranks::{self, Crank};
use perp_keeper::keeper::{Keeper, Settings};
use perp_keeper::metrics::Metrics;
use perp_keeper::prices::{FixedPrices, PriceQuote};
use perp_keeper::scan::{check_money_rules, market_filter, trader_filter, Health, Snapshot, Tracked};
use perp_keeper::scenario::run::{Env, Runner};
use perp_keeper::scenario::{Action, Scenario, Step, TraderSpec, DEFAULT_START_TIME};
use perp_keeper::service::{self, Intervals, Resolved};
use perp_keeper::sim::market_spec;
use perp_localnet::validator::LocalValidator;
use perp_migrations::config::Config;
use rust_decimal::Decimal;
use solana_sdk::pubkey::Pubkey;

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn order(trader: &str, side: OrderSide, size: &str, order_type: OrderType, price: &str) -> Action {
    Action::Order {
        trader: trader.into(),
        market: "BTC-PERP".into(),
        side,
        size: d(size),
        price: Some(d(price)),
        order_type,
        reduce_only: false,
        client_id: 0,
        worst_price: None,
    }
}

async fn unhealthy(chain: &mut impl Chain) -> (usize, usize) {
    let tracked = Tracked::discover(chain).await.unwrap();
    let priced = Snapshot::load(chain, &tracked).await.unwrap().priced().unwrap();
    let count = |h| priced.iter().filter(|p| p.health == h).count();
    (count(Health::Liquidatable), count(Health::Bankrupt))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keeper_over_json_rpc() {
    let config = Config::localnet_default().without_markets();
    let net = LocalValidator::start(&config, None).await.expect("validator");
    let mut chain = net.chain();
    let d_ = &net.deployment;
    let env = Env {
        admin: d_.admin.insecure_clone(),
        mint: d_.mint,
        mint_authority: d_.mint_authority.insecure_clone(),
        oracle_authority: d_.oracle_authority.insecure_clone(),
    };
    let mut steps = vec![
        order("maker", OrderSide::Sell, "3", OrderType::PostOnly, "90050"),
        order("maker", OrderSide::Buy, "3", OrderType::PostOnly, "89000"),
        order("long-a", OrderSide::Buy, "0.5", OrderType::ImmediateOrCancel, "90100"),
        order("long-b", OrderSide::Buy, "0.5", OrderType::ImmediateOrCancel, "90100"),
        Action::Advance { seconds: 60 },
    ];
    steps.push(Action::Price { market: "BTC-PERP".into(), price: d("88600"), confidence: Decimal::ZERO, age: 0 });
    let scenario = Scenario {
        name: "keeper over rpc".into(),
        start_time: DEFAULT_START_TIME,
        insurance_fund: d("1000"),
        keeper_deposit: d("1000000"),
        markets: vec![market_spec(&Config::localnet_default().markets[0])],
        market_tables: Vec::new(),
        traders: [("maker", "2000000"), ("long-a", "1000"), ("long-b", "1000")]
            .iter()
            .map(|(n, dep)| TraderSpec { name: n.to_string(), deposit: d(dep) })
            .collect(),
        steps: steps.into_iter().enumerate().map(|(i, action)| Step { number: i + 1, line: 0, action }).collect(),
    };
    let mut runner = Runner::setup(&mut chain, env, &scenario).await.unwrap();
    runner.run(&scenario, |_| {}).await.unwrap();
    // `advance` is the in-process bank's: over RPC it is a rejected step, and the run goes on.
    assert_eq!(runner.rejected.len(), 1, "{:?}", runner.rejected);
    assert_eq!((runner.rejected[0].0, runner.rejected[0].1.as_str()), (5, "AdvanceNotPossible"));
    let keeper_owner = runner.keeper.owner.insecure_clone();
    let btc = runner.markets["BTC-PERP"].address;
    drop(runner);

    // getProgramAccounts with filters finds the market and the five trader accounts.
    let markets = chain.program_accounts(&market_filter()).await.unwrap();
    assert_eq!(markets.iter().map(|(k, _)| *k).collect::<Vec<_>>(), vec![btc]);
    let traders = chain.program_accounts(&trader_filter()).await.unwrap();
    assert_eq!(traders.len(), 4, "maker, two longs, the keeper");
    // getMultipleAccounts in batches, in the order asked, absent accounts as None.
    let mut asked: Vec<Pubkey> = traders.iter().map(|(k, _)| *k).collect();
    asked.extend((0..MULTIPLE_ACCOUNTS_BATCH + 20).map(|_| Pubkey::new_unique()));
    asked.push(btc);
    let got = chain.multiple_accounts(&asked).await.unwrap();
    assert_eq!(got.len(), asked.len());
    for (i, (key, account)) in traders.iter().enumerate() {
        assert_eq!(got[i].as_ref().map(|a| &a.data), Some(&account.data), "{key}");
    }
    assert!(got[traders.len()..asked.len() - 1].iter().all(Option::is_none));
    assert_eq!(got.last().unwrap().as_ref().map(|a| a.owner), Some(perp::ID));

    // Both 45x longs are below maintenance at 88,600.
    assert_eq!(unhealthy(&mut chain).await, (2, 0));
    let prices = FixedPrices::default();
    prices.set("BTC-PERP", PriceQuote { price: 88_600_000_000, conf: 0, age: 0 });
    let keeper = Keeper {
        owner: keeper_owner.insecure_clone(),
        sub_account: 0,
        oracle_authority: Some(d_.oracle_authority.insecure_clone()),
        prices: std::sync::Mutex::new(Box::new(prices.clone())),
        settings: Settings { compute_unit_limit: Some(600_000), priority_fee: 1, ..Settings::default() },
        metrics: Metrics::new(),
        lookup_tables: Default::default(),
    };
    let tracked = Tracked::discover(&mut chain).await.unwrap();
    let run = cranks::run(&keeper, &mut chain, &tracked, Crank::Liquidation).await.unwrap();
    assert!(run.stats.landed >= 2, "{:?}", run.stats);
    assert_eq!(run.stats.errors, 0);
    // The landed transactions carry the keeper's compute budget first.
    let config = solana_rpc_client_api::config::RpcTransactionConfig {
        encoding: Some(solana_transaction_status_client_types::UiTransactionEncoding::Base64),
        commitment: Some(solana_commitment_config::CommitmentConfig::confirmed()),
        max_supported_transaction_version: Some(0),
    };
    let tx = chain.rpc.get_transaction_with_config(&run.landed[0].signature, config).await.unwrap();
    let message = tx.transaction.transaction.decode().unwrap().message;
    let programs: Vec<Pubkey> =
        message.instructions().iter().map(|ix| message.static_account_keys()[ix.program_id_index as usize]).collect();
    let budget = solana_compute_budget_interface::id();
    assert_eq!(&programs[..2], &[budget, budget], "{programs:?}");
    assert_eq!(unhealthy(&mut chain).await, (0, 0));
    assert!(check_money_rules(&mut chain).await.unwrap().all_hold());

    // A gap below bankruptcy, then the `perp-keeper run` loop: its oracle crank pushes the new
    // price, its bankruptcy crank resolves, and it stops after its cycles.
    prices.set("BTC-PERP", PriceQuote { price: 80_000_000_000, conf: 0, age: 0 });
    let intervals =
        Intervals { oracle: 1, funding: 1, liquidation: 1, bankruptcy: 1, adl: 1, discovery: 1, funding_sample: 60 };
    let resolved =
        Resolved { url: net.validator.rpc_url(), keeper, intervals, metrics_addr: None, markets: Some(vec![btc]) };
    let metrics = resolved.keeper.metrics.clone();
    service::run(resolved, Some(6), std::future::pending()).await.unwrap();
    assert_eq!(unhealthy(&mut chain).await, (0, 0));
    assert!(metrics.crank("oracle").landed >= 1);
    assert!(metrics.crank("bankruptcy").landed + metrics.crank("liquidation").landed >= 1, "{}", metrics.render());
    let verdict = check_money_rules(&mut chain).await.unwrap();
    assert!(verdict.all_hold(), "{:?}", verdict.details);
}
