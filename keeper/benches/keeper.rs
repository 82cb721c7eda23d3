//! The keeper's two costs at scale (`cargo bench -p perp-keeper`):
//! 1. The liquidation scan: decoding 100,000 trader accounts and pricing each with the
//!    program's own margin engine (`scan::decode_traders` + `scan::price_accounts`), over
//!    16 markets, every account holding 1 to 3 positions. Reported as positions per second on
//!    one core (the target: 1,000,000).
//! 2. A crash at scale on the in-process bank: `CRASH_TRADERS` (default 10,000) traders at 20x
//!    to 40x, long and short, a -25% gap; how many keeper cycles and how much wall time until no
//!    account is liquidatable or bankrupt.
//!
//! Under `cargo test` (no `--bench` argument) both run small, as a smoke test that checks the
//! outcomes.
use std::time::Instant;

use anchor_lang::AccountSerialize;
use perp::engine::test_market as tm;
use perp::state::{Trader, TraderMarket, MAX_MARKETS_PER_TRADER};
use perp::{OrderSide, OrderType};
use perp_client::views::MarketData;
use perp_keeper::cranks::{self, Crank};
use perp_keeper::prices::PriceQuote;
use perp_keeper::scan::{check_money_rules, decode_traders, price_accounts, Health, Snapshot, Tracked};
use perp_keeper::scenario::run::{localnet_at, Runner, ScenarioChain};
use perp_keeper::scenario::{Action, Scenario, Step, TraderSpec, DEFAULT_START_TIME};
use rust_decimal::Decimal;
use solana_sdk::pubkey::Pubkey;

const MARKETS: usize = 16;

/// Markets, encoded trader accounts, and the number of positions they hold.
struct Synthetic {
    markets: Vec<MarketData>,
    encoded: Vec<(Pubkey, Vec<u8>)>,
    positions: usize,
}

/// `accounts` trader accounts over `MARKETS` markets.
fn synthetic(accounts: usize) -> Synthetic {
    let seats_per_market = u32::try_from(accounts * 3 / MARKETS + 16).unwrap_or(u32::MAX).min(perp::state::MAX_SEATS);
    let mut markets: Vec<MarketData> = (0..MARKETS)
        .map(|i| MarketData {
            address: Pubkey::new_unique(),
            data: tm::market(&tm::config(), &tm::layout(16, seats_per_market), 0, 90_000 + i as u64).expect("market"),
        })
        .collect();
    let mut encoded = Vec::with_capacity(accounts);
    let mut positions = 0;
    let mut rng = 0x5EEDu64;
    for i in 0..accounts {
        rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let held = 1 + (rng >> 33) as usize % 3;
        let mut slots = [TraderMarket::default(); MAX_MARKETS_PER_TRADER];
        for (k, slot) in slots.iter_mut().enumerate().take(held) {
            let market = &mut markets[(i + k * 3) % MARKETS];
            // A full market leaves this account with fewer positions.
            let Ok(seat) = tm::seat(&mut market.data) else { continue };
            let mut view = tm::view(&mut market.data).expect("view");
            let s = view.seat_mut(seat).expect("seat");
            let lots = 1 + ((rng >> 40) % 500) as i64;
            s.base_lots = if (i + k) % 2 == 0 { lots } else { -lots };
            s.quote_entry = -s.base_lots * 90_000_000;
            *slot = TraderMarket { market: market.address, seat };
            positions += 1;
        }
        let trader = Trader {
            owner: Pubkey::new_unique(),
            sub_account_id: 0,
            bump: 255,
            collateral: 10_000_000_000,
            loss_index: 0,
            loss_epoch: 0,
            markets: slots,
        };
        let mut data = Vec::new();
        trader.try_serialize(&mut data).expect("serialize");
        encoded.push((Pubkey::new_unique(), data));
    }
    Synthetic { markets, encoded, positions }
}

fn scan(accounts: usize, rounds: u32) {
    let Synthetic { mut markets, encoded, positions } = synthetic(accounts);
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let started = Instant::now();
        let traders = decode_traders(&encoded).expect("decode");
        let priced = price_accounts(&mut markets, &traders).expect("price");
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(priced.len(), accounts);
        best = best.min(secs);
    }
    println!(
        "scan: {accounts} accounts, {positions} positions over {MARKETS} markets: {:.1} ms, {:.0} positions/s, {:.0} accounts/s (best of {rounds})",
        best * 1e3,
        positions as f64 / best,
        accounts as f64 / best
    );
}

fn order(trader: &str, side: OrderSide, size: Decimal, order_type: OrderType, price: u64) -> Action {
    Action::Order {
        trader: trader.into(),
        market: "BTC-PERP".into(),
        side,
        size,
        price: Some(Decimal::from(price)),
        order_type,
        reduce_only: false,
        client_id: 0,
        worst_price: None,
    }
}

/// BTC-PERP with room for every trader; makers with deep ladders; traders at 20x to 40x on
/// 0.02 BTC, three in four long.
fn crash_scenario(traders: usize) -> Scenario {
    let mut btc = perp_keeper::sim::market_spec(&perp_migrations::config::Config::localnet_default().markets[0]);
    btc.seat_capacity = Some(u32::try_from(traders + 64).unwrap_or(u32::MAX).min(perp::state::MAX_SEATS));
    // The fund covers every deficit here (no per-event cap): this measures liquidation and
    // bankruptcy throughput; ADL at scale is a separate cost (README, "Keeper").
    btc.insurance_cap_per_event = None;
    let makers = traders / 400 + 2;
    let seat_deposit = Decimal::from(perp_migrations::config::Config::localnet_default().markets[0].seat_deposit_quote);
    let mut specs: Vec<TraderSpec> =
        (0..makers).map(|i| TraderSpec { name: format!("maker-{i}"), deposit: Decimal::from(50_000_000) }).collect();
    let mut steps = Vec::new();
    for i in 0..makers {
        let name = format!("maker-{i}");
        let skew = i as u64 % 10;
        for level in 0..14u64 {
            steps.push(order(
                &name,
                OrderSide::Sell,
                Decimal::from(5),
                OrderType::PostOnly,
                90_010 + level * 20 + skew,
            ));
            steps.push(order(&name, OrderSide::Buy, Decimal::from(5), OrderType::PostOnly, 89_990 - level * 20 - skew));
        }
    }
    for i in 0..traders {
        let name = format!("t{i}");
        // 45 to 85 of margin, plus the seat deposit.
        let deposit = Decimal::from(45 + (i % 5) as u64 * 10) + seat_deposit;
        specs.push(TraderSpec { name: name.clone(), deposit });
        let (side, limit) = if i % 4 == 3 { (OrderSide::Sell, 89_000) } else { (OrderSide::Buy, 91_000) };
        steps.push(order(&name, side, Decimal::new(2, 2), OrderType::ImmediateOrCancel, limit));
    }
    Scenario {
        name: "crash at scale".into(),
        start_time: DEFAULT_START_TIME,
        insurance_fund: Decimal::from(10_000_000),
        keeper_deposit: Decimal::from(100_000_000),
        markets: vec![btc],
        market_tables: Vec::new(),
        traders: specs,
        steps: steps.into_iter().enumerate().map(|(i, action)| Step { number: i + 1, line: 0, action }).collect(),
    }
}

/// Builds the crash world with the scenario runner, gaps the price -25%, counts keeper cycles.
fn crash(traders: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let scenario = crash_scenario(traders);
        let (mut net, env) = localnet_at(scenario.start_time).await.expect("localnet");
        let setup = Instant::now();
        let mut runner = Runner::setup(&mut net, env, &scenario).await.expect("setup");
        runner.run(&scenario, |_| {}).await.expect("run");
        assert!(runner.rejected.is_empty(), "{:?}", &runner.rejected[..runner.rejected.len().min(3)]);
        println!("crash: {traders} traders set up in {:.1} s", setup.elapsed().as_secs_f64());
        runner.prices.set("BTC-PERP", PriceQuote { price: 67_500_000_000, conf: 0, age: 0 });
        // The keeper's oracle crank publishes it at the next second.
        runner.chain.advance(1).await.expect("clock");
        let started = Instant::now();
        let mut cycles = 0;
        loop {
            let tracked = Tracked::discover(runner.chain).await.expect("discover");
            let mut snapshot = Snapshot::load(runner.chain, &tracked).await.expect("load");
            let unhealthy = snapshot.priced().expect("price").iter().filter(|p| p.health != Health::Healthy).count();
            if unhealthy == 0 && cycles > 0 {
                break;
            }
            assert!(cycles < 5, "{unhealthy} accounts still unhealthy after {cycles} cycles");
            cycles += 1;
            let cycle = Instant::now();
            cranks::cycle(&runner.keeper, runner.chain, &tracked, &Crank::ALL).await.expect("cycle");
            println!("crash: cycle {cycles}: {unhealthy} unhealthy before it, {:.1} s", cycle.elapsed().as_secs_f64());
        }
        let m = &runner.keeper.metrics;
        println!(
            "crash: clean after {cycles} cycle(s) in {:.1} s: {} liquidation and {} bankruptcy transactions",
            started.elapsed().as_secs_f64(),
            m.crank("liquidation").landed,
            m.crank("bankruptcy").landed
        );
        assert!(m.crank("bankruptcy").landed > 0, "the gap must bankrupt the 20x-40x longs");
        let verdict = check_money_rules(runner.chain).await.expect("check");
        assert!(verdict.all_hold(), "{:?}", verdict.details);
    });
}

fn main() {
    if std::env::args().any(|a| a == "--bench") {
        scan(100_000, 5);
        crash(std::env::var("CRASH_TRADERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000));
    } else {
        scan(2_000, 1);
        crash(60);
    }
}
