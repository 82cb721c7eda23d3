//! Liquidation on the in-process validator (DESIGN.md, "The loss waterfall, exactly", step 1):
//! the seed's Reg-T numbers, partial first, cross margin over a 20x and a 100x market, the keeper
//! pulling the orders of an account below maintenance, and every rejection with its exact error
//! and nothing changed. The money rules are checked after every step.
use perp::engine::orders::OrderSide::*;
use perp::error::PerpError;
use perp::events::{Liquidated, OrderCancelled};
use perp::math::margin::BracketParams;
use perp::MarketConfig;
use perp_client::events;
use perp_localnet::localnet::Localnet;
use perp_tests::*;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

fn reg_t(oracle: Pubkey) -> MarketConfig {
    MarketConfig { oracle, ..perp::engine::test_market::reg_t_config() }
}

/// A market with one bracket of `initial_ppm` / `maintenance_ppm`, a penalty and fill band that
/// fit it, no fees.
fn leveraged(initial_ppm: u32, maintenance_ppm: u32) -> impl FnOnce(Pubkey) -> MarketConfig {
    move |oracle| MarketConfig {
        brackets: vec![BracketParams { max_notional: u64::MAX, initial_ppm, maintenance_ppm }],
        fill_band_ppm: maintenance_ppm.min(initial_ppm - maintenance_ppm),
        liquidation_penalty_ppm: maintenance_ppm / 2,
        liquidation_buffer_ppm: 1_000,
        ..reg_t(oracle)
    }
}

struct Seed {
    net: Localnet,
    btc: TestMarket,
    long: Wallet,
    short: Wallet,
    liquidator: Wallet,
}

impl Seed {
    async fn check(&mut self) {
        assert_money_rules(&mut self.net).await;
    }

    /// Every account a liquidation touches, to prove a rejected one changed nothing.
    async fn snapshot(&mut self) -> Snapshot {
        let exchange = self.net.exchange().await.unwrap();
        let addresses = [
            self.long.trader(),
            self.short.trader(),
            self.liquidator.trader(),
            self.btc.address,
            exchange.vault,
            exchange.insurance_vault,
            perp_client::pda::exchange(),
        ];
        snapshot(&mut self.net, &addresses).await
    }
}

/// The seed's example: $50,001 (1 of it the seat deposit) buys 1 BTC at $100,000 at 50% initial
/// (2x) from a well-funded seller; a liquidator with $100,000 stands by.
async fn seed() -> Seed {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), reg_t, 100_000).await;
    let long = funded_trader(&mut net, 50_001).await;
    let short = funded_trader(&mut net, 1_000_000).await;
    let liquidator = funded_trader(&mut net, 100_000).await;
    order(&mut net, &long, &btc, limit(Buy, 100_000, 1_000, 1)).await.unwrap();
    order(&mut net, &short, &btc, limit(Sell, 100_000, 1_000, 2)).await.unwrap();
    let mut seed = Seed { net, btc, long, short, liquidator };
    seed.check().await;
    seed
}

#[tokio::test]
async fn reg_t_seed_nothing_at_70k_partial_below_66_7k() {
    let mut s = seed().await;
    // $50k bought $100k: at $70k equity 20,001 >= 17,500 maintenance, nothing can be liquidated.
    move_price(&mut s.net, &s.btc, 70_000).await;
    let before = s.snapshot().await;
    let result = liquidate(&mut s.net, &s.liquidator, &s.long, &s.btc).await;
    assert_perp_error(result, PerpError::NotLiquidatable);
    assert_eq!(s.snapshot().await, before);
    s.check().await;

    // Below about $66.7k it can, partially first.
    move_price(&mut s.net, &s.btc, 66_000).await;
    let insurance_before = s.net.exchange().await.unwrap().ledger.insurance_fund;
    let (long, liquidator) = (s.long.clone(), s.liquidator.clone());
    let outcome = liquidate_logs(&mut s.net, &liquidator, &long, &s.btc).await;
    let event = &events::decode::<Liquidated>(&outcome.logs)[0];
    assert_eq!((event.liquidated, event.liquidator), (long.trader(), liquidator.trader()));
    assert_eq!((event.position_lots_before, event.base_lots, event.base), (1_000, 52, 52 * BASE / 1000));
    assert_eq!((event.oracle_price, event.transfer_price), (66_000 * PRICE, 65_670 * PRICE));
    assert_eq!((event.notional, event.penalty), (3_432 * QUOTE, 34_320_000));
    assert_eq!((event.penalty_to_liquidator, event.penalty_to_insurance), (17_160_000, 17_160_000));
    assert_eq!(event.equity_before, 16_001 * QUOTE as i64);
    assert_eq!((event.equity_after, event.maintenance_after), (16_001 * QUOTE as i64 - 34_320_000, 15_642 * QUOTE));
    assert_eq!(event.insurance_fund_after, insurance_before + 17_160_000);
    let ledger = s.net.exchange().await.unwrap().ledger;
    assert_eq!(ledger.insurance_from_penalties, 17_160_000);
    assert_eq!(seat(&mut s.net, &s.btc.address, &s.long).await.unwrap().base_lots, 948);
    assert_eq!(seat(&mut s.net, &s.btc.address, &s.liquidator).await.unwrap().base_lots, 52);
    s.check().await;

    // Margin is back above maintenance: nothing more to take.
    let before = s.snapshot().await;
    assert_perp_error(liquidate(&mut s.net, &s.liquidator, &s.long, &s.btc).await, PerpError::NotLiquidatable);
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn rejections_change_nothing() {
    let mut s = seed().await;
    // Below zero equity (at $49,000: 50,001 - 51,000): bankruptcy resolution, not liquidation.
    move_price(&mut s.net, &s.btc, 49_000).await;
    let before = s.snapshot().await;
    assert_perp_error(liquidate(&mut s.net, &s.liquidator, &s.long, &s.btc).await, PerpError::AccountBankrupt);
    assert_eq!(s.snapshot().await, before);

    move_price(&mut s.net, &s.btc, 60_000).await;
    // Equity 10,001 < 15,000: liquidatable, but not by a liquidator who cannot carry it.
    let poor = funded_trader(&mut s.net, 100).await;
    let before = s.snapshot().await;
    assert_perp_error(liquidate(&mut s.net, &poor, &s.long, &s.btc).await, PerpError::LiquidatorBelowInitial);
    assert_eq!(s.snapshot().await, before);

    // Oneself: another sub-account of the same owner.
    let mut own = s.long.clone();
    own.sub_account_id = 1;
    let owner = own.owner.insecure_clone();
    let open = perp_client::instructions::open_trader(&owner.pubkey(), &s.net.ctx.payer.pubkey(), 1);
    s.net.send(&[open], &[&owner]).await.unwrap();
    let before = s.snapshot().await;
    assert_perp_error(liquidate(&mut s.net, &own, &s.long, &s.btc).await, PerpError::CannotLiquidateSelf);
    assert_eq!(s.snapshot().await, before);

    // The liquidated account in a market where it holds nothing.
    let eth = create_market(&mut s.net, default_layout("ETH-PERP"), reg_t, 3_000).await;
    let before = s.snapshot().await;
    assert_perp_error(liquidate(&mut s.net, &s.liquidator, &s.long, &eth).await, PerpError::NoPositionToLiquidate);
    assert_eq!(s.snapshot().await, before);

    // A margin set with a market missing or foreign.
    let ix = liquidate_instruction(&mut s.net, &s.liquidator, &s.long, &s.btc).await;
    let mut foreign = ix.clone();
    foreign.accounts.push(solana_sdk::instruction::AccountMeta::new(eth.address, false));
    foreign.accounts.push(solana_sdk::instruction::AccountMeta::new_readonly(eth.oracle, false));
    let signer = s.liquidator.owner.insecure_clone();
    assert_perp_error(s.net.send(&[foreign], &[&signer]).await, PerpError::ForeignMarket);
    // The liquidator now trades ETH: its market must be passed.
    order(&mut s.net, &s.liquidator, &eth, limit(Buy, 2_990, 10, 9)).await.unwrap();
    let mut missing = liquidate_instruction(&mut s.net, &s.liquidator, &s.long, &s.btc).await;
    missing.accounts.truncate(missing.accounts.len() - 2);
    let before = s.snapshot().await;
    assert_perp_error(s.net.send(&[missing], &[&signer]).await, PerpError::MissingMarginAccounts);
    assert_eq!(s.snapshot().await, before);
    // With it, the liquidation goes through and the books balance.
    liquidate(&mut s.net, &s.liquidator, &s.long, &s.btc).await.unwrap();
    assert_money_rules(&mut s.net).await;
}

#[tokio::test]
async fn the_keeper_pulls_the_orders_of_an_account_below_maintenance_in_any_market() {
    let mut s = seed().await;
    // The long adds 1,000 of collateral and rests bids in a second market, where it holds no
    // position.
    let eth = create_market(&mut s.net, default_layout("ETH-PERP"), reg_t, 3_000).await;
    s.net.mint_to(&s.long.token_account, 1_000 * QUOTE).await.unwrap();
    deposit(&mut s.net, &s.long, 1_000 * QUOTE).await.unwrap();
    order(&mut s.net, &s.long, &eth, limit(Buy, 2_990, 10, 7)).await.unwrap();
    order(&mut s.net, &s.long, &eth, limit(Buy, 2_980, 10, 8)).await.unwrap();
    // Healthy: nobody may touch its orders.
    let exchange = s.net.exchange().await.unwrap();
    let addresses = [s.long.trader(), eth.address, s.btc.address, exchange.vault, exchange.insurance_vault];
    let before = snapshot(&mut s.net, &addresses).await;
    assert_perp_error(liquidate(&mut s.net, &s.liquidator, &s.long, &eth).await, PerpError::NotLiquidatable);
    assert_eq!(snapshot(&mut s.net, &addresses).await, before);

    // Below maintenance (BTC at 64,000: 15,001 < 16,000): `liquidate` on ETH pulls its orders
    // there, nothing more.
    move_price(&mut s.net, &s.btc, 64_000).await;
    move_price(&mut s.net, &eth, 3_000).await;
    let (liquidator, long) = (s.liquidator.clone(), s.long.clone());
    let outcome = liquidate_logs(&mut s.net, &liquidator, &long, &eth).await;
    let cancels = events::decode::<OrderCancelled>(&outcome.logs);
    assert_eq!(cancels.len(), 2);
    assert!(cancels.iter().all(|c| c.trader == long.trader()));
    assert!(events::decode::<Liquidated>(&outcome.logs).is_empty(), "no takeover where it holds no position");
    assert_eq!(seat(&mut s.net, &s.btc.address, &s.long).await.unwrap().base_lots, 1_000);
    assert_money_rules(&mut s.net).await;
    // Then the takeover in BTC.
    let outcome = liquidate_logs(&mut s.net, &liquidator, &long, &s.btc).await;
    assert!(events::decode::<Liquidated>(&outcome.logs)[0].base_lots > 0);
    assert_money_rules(&mut s.net).await;
}

#[tokio::test]
async fn a_20x_and_a_100x_market_side_by_side_cross_margined() {
    let mut net = localnet().await;
    let x20 = create_market(&mut net, default_layout("BTC-PERP"), leveraged(50_000, 25_000), 100_000).await;
    let x100 = create_market(&mut net, default_layout("ETH-PERP"), leveraged(10_000, 5_000), 1_000).await;
    let trader = funded_trader(&mut net, 20_000).await;
    let maker = funded_trader(&mut net, 1_000_000).await;
    let liquidator = funded_trader(&mut net, 1_000_000).await;
    // 20x: 1 BTC long at 100,000 (5,000 initial); 100x: 100 base at 1,000 (100,000 lots of 0.001,
    // 100,000 of notional, 1,000 initial). Equity 20,000 (seat deposits included).
    order(&mut net, &maker, &x20, limit(Sell, 100_000, 1_000, 1)).await.unwrap();
    order(&mut net, &trader, &x20, limit(Buy, 100_000, 1_000, 2)).await.unwrap();
    order(&mut net, &maker, &x100, limit(Sell, 1_000, 100_000, 3)).await.unwrap();
    order(&mut net, &trader, &x100, limit(Buy, 1_000, 100_000, 4)).await.unwrap();
    assert_money_rules(&mut net).await;

    // A 15% drop in the 100x market alone: the loss (15,000) comes out of the equity both
    // positions share. Equity 100 P - 80,000 against 2,500 (20x) + 0.5 P (100x): below under
    // P = 829.15.
    move_price(&mut net, &x100, 850).await;
    let r = risk(&mut net, &trader).await;
    assert_eq!((r.equity, r.maintenance), (5_000 * QUOTE as i64, 2_925 * QUOTE));
    move_price(&mut net, &x100, 830).await;
    assert!(!risk(&mut net, &trader).await.below_maintenance().unwrap());
    move_price(&mut net, &x100, 829).await;
    assert!(risk(&mut net, &trader).await.below_maintenance().unwrap());

    // The keeper liquidates in the 20x market: it takes only what restores the cross margin
    // (about 85 of the 1,000 lots), and the 100x position stays whole.
    let outcome = liquidate_logs(&mut net, &liquidator, &trader, &x20).await;
    let event = &events::decode::<Liquidated>(&outcome.logs)[0];
    assert!(event.base_lots > 80 && event.base_lots < 90, "partial: {} lots", event.base_lots);
    let r = risk(&mut net, &trader).await;
    assert!(!r.below_maintenance().unwrap(), "{r:?}");
    assert_eq!(seat(&mut net, &x100.address, &trader).await.unwrap().base_lots, 100_000);
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn a_liquidation_over_fifteen_markets_goes_in_a_v0_transaction_with_a_lookup_table() {
    let mut net = localnet().await;
    let (markets, victim, liquidator) = fifteen_market_liquidation(&mut net).await;
    let payer = net.ctx.payer.pubkey();
    let ix = liquidate_instruction(&mut net, &liquidator, &victim, &markets[0]).await;
    let ixs = [ix];
    assert!(!perp_client::lookup::fits_legacy(&payer, &ixs), "15 markets do not fit a legacy transaction");
    let table = net.create_lookup_table(&perp_client::lookup::table_addresses(&ixs)).await.unwrap();
    let outcome = net.process_v0(&ixs, &[&liquidator.owner], &[table]).await.expect("liquidate in a v0 transaction");
    // On the SBF build it stays within the default 200,000 compute units (about 135,000).
    let prefix = format!("Program {} consumed ", perp::ID);
    let consumed = outcome.logs.iter().find_map(|l| l.strip_prefix(&prefix)?.split(' ').next()?.parse::<u64>().ok());
    if perp_localnet::native::sbf_program_dir().is_some() {
        assert!(consumed.is_some_and(|cu| cu <= 200_000), "{consumed:?} compute units");
    }
    let event = &events::decode::<Liquidated>(&outcome.logs)[0];
    assert_eq!(event.liquidated, victim.trader());
    assert!(event.base_lots > 0);
    assert_money_rules(&mut net).await;
}
