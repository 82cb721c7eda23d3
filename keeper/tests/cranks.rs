//! The keeper's cranks on the in-process bank: a crash is cleaned up within two keeper cycles,
//! funding is cranked on each market's schedule, and two keepers at once apply nothing twice.
use perp::events::{BankruptcyResolved, FundingApplied, Liquidated};
use perp::{OrderSide, OrderType};
use perp_client::events;
use perp_keeper::cranks::{self, Crank};
use perp_keeper::keeper::{Keeper, Settings};
use perp_keeper::metrics::Metrics;
use perp_keeper::prices::{FixedPrices, PriceQuote};
use perp_keeper::scan::{check_money_rules, Health, Snapshot, Tracked};
use perp_keeper::scenario::run::{localnet_at, Runner, ScenarioChain};
use perp_keeper::scenario::{Action, Scenario, Step, TraderSpec, DEFAULT_START_TIME};
use perp_keeper::sim::market_spec;
use perp_localnet::localnet::Localnet;
use perp_migrations::config::Config;
use perp_migrations::tokens;
use rust_decimal::Decimal;
use solana_sdk::signature::{Keypair, Signer};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// BTC-PERP of the localnet config; a maker with a deep ladder; `longs` takers long 0.5 BTC at
/// 45x and `shorts` short 0.3 BTC at 27x.
fn world(longs: usize, shorts: usize) -> Scenario {
    let btc = market_spec(&Config::localnet_default().markets[0]);
    let mut traders = vec![TraderSpec { name: "maker".into(), deposit: d("20000000") }];
    let mut steps = Vec::new();
    let mut push = |action: Action| {
        let number = steps.len() + 1;
        steps.push(Step { number, line: 0, action });
    };
    let order = |trader: &str, side, size: &str, order_type, price: Decimal| Action::Order {
        trader: trader.into(),
        market: "BTC-PERP".into(),
        side,
        size: d(size),
        price: Some(price),
        order_type,
        reduce_only: false,
        client_id: 0,
        worst_price: None,
    };
    for level in 1..=10i64 {
        push(order("maker", OrderSide::Sell, "5", OrderType::PostOnly, Decimal::from(90_000 + 20 * level)));
        push(order("maker", OrderSide::Buy, "5", OrderType::PostOnly, Decimal::from(90_000 - 20 * level)));
    }
    for i in 0..longs {
        let name = format!("long-{i}");
        traders.push(TraderSpec { name: name.clone(), deposit: d("1000") });
        push(order(&name, OrderSide::Buy, "0.5", OrderType::ImmediateOrCancel, d("90300")));
    }
    for i in 0..shorts {
        let name = format!("short-{i}");
        traders.push(TraderSpec { name: name.clone(), deposit: d("1000") });
        push(order(&name, OrderSide::Sell, "0.3", OrderType::ImmediateOrCancel, d("89700")));
    }
    Scenario {
        name: "crash world".into(),
        start_time: DEFAULT_START_TIME,
        insurance_fund: d("20000"),
        keeper_deposit: d("5000000"),
        markets: vec![btc],
        market_tables: Vec::new(),
        traders,
        steps,
    }
}

async fn unhealthy(chain: &mut Localnet) -> (usize, usize) {
    let tracked = Tracked::discover(chain).await.unwrap();
    let priced = Snapshot::load(chain, &tracked).await.unwrap().priced().unwrap();
    let count = |h| priced.iter().filter(|p| p.health == h).count();
    (count(Health::Liquidatable), count(Health::Bankrupt))
}

async fn assert_money_rules(chain: &mut Localnet) {
    let verdict = check_money_rules(chain).await.unwrap();
    assert!(verdict.all_hold(), "{:?}", verdict.details);
}

#[tokio::test]
async fn a_crash_leaves_no_liquidatable_or_bankrupt_account_after_two_cycles() {
    let scenario = world(24, 8);
    let (mut net, env) = localnet_at(scenario.start_time).await.unwrap();
    net.check_money_rules_always();
    let mut runner = Runner::setup(&mut net, env, &scenario).await.unwrap();
    runner.run(&scenario, |_| {}).await.unwrap();
    assert!(runner.rejected.is_empty(), "{:?}", runner.rejected);
    let keeper = std::mem::replace(&mut runner.keeper, placeholder());
    let chain = &mut *runner.chain;
    assert_money_rules(chain).await;

    // -1.5%: the 45x longs fall below maintenance, not below zero.
    runner_price(chain, &keeper, 88_650).await;
    let (liquidatable, bankrupt) = unhealthy(chain).await;
    assert_eq!((liquidatable, bankrupt), (24, 0));
    let mut liquidations = 0;
    for cycle in 1..=2 {
        let tracked = Tracked::discover(chain).await.unwrap();
        let run = cranks::cycle(&keeper, chain, &tracked, &Crank::ALL).await.unwrap();
        liquidations += run.landed.iter().map(|o| events::decode::<Liquidated>(&o.logs).len()).sum::<usize>();
        assert_money_rules(chain).await;
        if unhealthy(chain).await == (0, 0) {
            println!("liquidations clean after {cycle} cycle(s)");
            break;
        }
        assert!(cycle < 2, "still unhealthy after two cycles: {:?}", unhealthy(chain).await);
    }
    assert!(liquidations >= 24, "{liquidations}");

    // -25% from the start: every long is far below zero; the fund pays (capped), ADL the rest.
    runner_price(chain, &keeper, 67_500).await;
    let (_, bankrupt) = unhealthy(chain).await;
    assert!(bankrupt >= 20, "{bankrupt}");
    let mut resolved = 0;
    for cycle in 1..=2 {
        let tracked = Tracked::discover(chain).await.unwrap();
        let run = cranks::cycle(&keeper, chain, &tracked, &Crank::ALL).await.unwrap();
        resolved += run.landed.iter().map(|o| events::decode::<BankruptcyResolved>(&o.logs).len()).sum::<usize>();
        assert_money_rules(chain).await;
        if unhealthy(chain).await == (0, 0) {
            println!("bankruptcies clean after {cycle} cycle(s)");
            break;
        }
        assert!(cycle < 2, "still unhealthy after two cycles: {:?}", unhealthy(chain).await);
    }
    assert_eq!(resolved, bankrupt, "each bankruptcy resolved once");
    let tracked = Tracked::discover(chain).await.unwrap();
    let gauges = cranks::update_gauges(&keeper, chain, &tracked).await.unwrap();
    assert_eq!((gauges.below_maintenance, gauges.bankrupt), (0, 0));
    assert_eq!(keeper.metrics.crank("bankruptcy").errors, 0);
}

/// A keeper for `std::mem::replace` (the runner keeps one; the test drives its own).
fn placeholder() -> Keeper {
    Keeper {
        owner: Keypair::new(),
        sub_account: 0,
        oracle_authority: None,
        prices: std::sync::Mutex::new(Box::new(FixedPrices::default())),
        settings: Settings::default(),
        metrics: Metrics::new(),
        lookup_tables: Default::default(),
    }
}

/// Sets the keeper's price source to `quote` and runs its oracle crank (push + cache).
async fn runner_price(chain: &mut Localnet, keeper: &Keeper, quote: u64) {
    chain.tick().await.unwrap();
    let prices = FixedPrices::default();
    prices.set("BTC-PERP", PriceQuote { price: quote * 1_000_000, conf: 0, age: 0 });
    *keeper.prices.lock().unwrap() = Box::new(prices);
    let tracked = Tracked::discover(chain).await.unwrap();
    let run = cranks::run(keeper, chain, &tracked, Crank::Oracle).await.unwrap();
    assert_eq!(run.stats.landed, 2, "push and cache");
}

#[tokio::test]
async fn funding_is_cranked_on_each_markets_schedule_and_only_then() {
    let scenario = world(2, 2);
    let (mut net, env) = localnet_at(scenario.start_time).await.unwrap();
    net.check_money_rules_always();
    let mut runner = Runner::setup(&mut net, env, &scenario).await.unwrap();
    runner.run(&scenario, |_| {}).await.unwrap();
    let keeper = std::mem::replace(&mut runner.keeper, placeholder());
    let keeper = Keeper { settings: Settings { funding_sample_secs: 600, ..Settings::default() }, ..keeper };
    let chain = &mut *runner.chain;
    let tracked = Tracked::discover(chain).await.unwrap();
    let mut applied = Vec::new();
    // Every 5 minutes for 3 hours: samples every 10 minutes, one interval applied per hour.
    for _ in 0..36 {
        chain.advance(300).await.unwrap();
        let oracle = cranks::run(&keeper, chain, &tracked, Crank::Oracle).await.unwrap();
        assert_eq!(oracle.stats.errors, 0);
        let run = cranks::run(&keeper, chain, &tracked, Crank::Funding).await.unwrap();
        for o in &run.landed {
            applied.extend(events::decode::<FundingApplied>(&o.logs).into_iter().map(|e| e.interval_start));
        }
        // Nothing due twice: a second run at the same time sends nothing.
        let again = cranks::run(&keeper, chain, &tracked, Crank::Funding).await.unwrap();
        assert_eq!(again.stats.landed, 0);
    }
    let start = DEFAULT_START_TIME;
    assert_eq!(applied, vec![start, start + 3_600, start + 7_200]);
    assert_eq!(keeper.metrics.crank("funding").landed, 18, "a sample every 10 minutes");
    assert_money_rules(chain).await;
}

#[tokio::test]
async fn two_keepers_at_once_apply_nothing_twice() {
    let scenario = world(12, 4);
    let (mut net, env) = localnet_at(scenario.start_time).await.unwrap();
    net.check_money_rules_always();
    let mut runner = Runner::setup(&mut net, env, &scenario).await.unwrap();
    runner.run(&scenario, |_| {}).await.unwrap();
    let a = std::mem::replace(&mut runner.keeper, placeholder());
    let chain = &mut *runner.chain;
    // A second keeper with its own account.
    let owner = tokens::funded_keypair(chain).await.unwrap();
    let mint = chain.mint;
    let token = tokens::create_token_account(chain, &mint, &owner.pubkey()).await.unwrap();
    chain.mint_to(&token, 5_000_000_000_000).await.unwrap();
    let key = owner.pubkey();
    let ixs = [
        perp_client::instructions::open_trader(&key, &key, 0),
        perp_client::instructions::deposit(&key, 0, &token, 5_000_000_000_000),
    ];
    perp_client::chain::Chain::send(chain, &ixs, &[&owner]).await.unwrap();
    let b = Keeper { owner, ..placeholder() };

    // A gap below bankruptcy for the longs; both keepers see the same state and act on it.
    runner_price(chain, &a, 70_000).await;
    let (_, bankrupt) = unhealthy(chain).await;
    assert_eq!(bankrupt, 12);
    let tracked = Tracked::discover(chain).await.unwrap();
    let mut seen_by_a = Snapshot::load(chain, &tracked).await.unwrap();
    let mut seen_by_b = Snapshot::load(chain, &tracked).await.unwrap();
    let run_a = cranks::bankruptcy::run(&a, chain, &tracked, &mut seen_by_a).await.unwrap();
    let run_b = cranks::bankruptcy::run(&b, chain, &tracked, &mut seen_by_b).await.unwrap();
    let resolved = |run: &perp_keeper::keeper::CrankRun| {
        run.landed.iter().map(|o| events::decode::<BankruptcyResolved>(&o.logs).len()).sum::<usize>()
    };
    assert_eq!(resolved(&run_a) + resolved(&run_b), 12, "each bankruptcy once");
    assert_eq!(run_b.stats.already_done, 12, "the race's loser counts each as done");
    assert_eq!((run_a.stats.errors, run_b.stats.errors), (0, 0));
    assert_money_rules(chain).await;

    // The same for liquidations: a dip that puts the shorts' winners... and the remaining
    // accounts through two liquidation cranks from one stale view.
    let mut seen_by_a = Snapshot::load(chain, &tracked).await.unwrap();
    let mut seen_by_b = Snapshot::load(chain, &tracked).await.unwrap();
    let run_a = cranks::liquidation::run(&a, chain, &tracked, &mut seen_by_a).await.unwrap();
    let run_b = cranks::liquidation::run(&b, chain, &tracked, &mut seen_by_b).await.unwrap();
    assert_eq!(run_a.stats.errors + run_b.stats.errors, 0);
    assert_money_rules(chain).await;
    assert_eq!(unhealthy(chain).await, (0, 0));
}

/// A keeper trading 7 markets liquidates an account of 8 others: the liquidation names 15 markets
/// with their oracles, more than a legacy transaction holds. The keeper puts its accounts in a
/// lookup table and sends it as a v0 transaction (issue #18 item 3).
#[tokio::test]
async fn the_keeper_liquidates_across_fifteen_markets_in_a_v0_transaction() {
    use perp_tests::*;
    let mut net = localnet().await;
    let (markets, victim, liquidator) = fifteen_market_liquidation(&mut net).await;
    let keeper = Keeper { owner: liquidator.owner.insecure_clone(), ..placeholder() };
    let tracked = Tracked::discover(&mut net).await.unwrap();
    let run = cranks::run(&keeper, &mut net, &tracked, Crank::Liquidation).await.unwrap();
    let liquidated: Vec<Liquidated> = run.landed.iter().flat_map(|o| events::decode::<Liquidated>(&o.logs)).collect();
    assert!(liquidated.iter().any(|e| e.liquidated == victim.trader() && e.base_lots > 0), "{:?}", run.stats);
    assert_money_rules(&mut net).await;
    // The table is kept: the next transaction over the same accounts (another liquidation,
    // landed or refused by the program) reuses it, no new rent.
    assert_eq!(keeper.lookup_tables.lock().unwrap().len(), 1);
    let next = liquidate_instruction(&mut net, &liquidator, &victim, &markets[1]).await;
    let sent = keeper.send(&mut net, "liquidation", &[next], &[&keeper.owner], &[]).await;
    assert!(!matches!(sent, perp_keeper::keeper::Sent::Failed(_)), "{sent:?}");
    assert_eq!(keeper.lookup_tables.lock().unwrap().len(), 1, "reused, not created again");
}
