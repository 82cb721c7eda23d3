//! The loss waterfall past liquidation, on the in-process validator (DESIGN.md, "The loss
//! waterfall, exactly", steps 2 to 5): the insurance fund, then pro-rata ADL through lazy side
//! indices; the seed's ADL story; the paired-account drain from the security review. The money
//! rules are checked after every step.
use perp::engine::orders::OrderSide::*;
use perp::error::PerpError;
use perp::events::{AdlApplied, AdlEventRecorded, BankruptcyResolved, Liquidated, SocializedLossCharged};
use perp::MarketConfig;
use perp_client::events;
use perp_tests::*;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// 10x allowed (10% / 5%), no fees, a 1% penalty half to the fund.
fn no_fees(oracle: Pubkey) -> MarketConfig {
    MarketConfig { oracle, ..perp::engine::test_market::no_fee_config() }
}

/// 50x (2% / 1%), no fees, a 0.5% penalty, fills within 1%.
fn x50(oracle: Pubkey) -> MarketConfig {
    MarketConfig {
        brackets: vec![perp::math::margin::BracketParams {
            max_notional: u64::MAX,
            initial_ppm: 20_000,
            maintenance_ppm: 10_000,
        }],
        fill_band_ppm: 10_000,
        liquidation_penalty_ppm: 5_000,
        liquidation_buffer_ppm: 1_000,
        ..no_fees(oracle)
    }
}

#[tokio::test]
async fn seed_adl_story_the_winner_earns_about_40_percent_not_80() {
    let mut net = localnet_with_insurance(0).await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), no_fees, 100_000).await;
    // A 4x long and a 10x short trade 1 BTC at 100,000.
    let long = funded_trader(&mut net, 25_001).await;
    let short = funded_trader(&mut net, 10_001).await;
    order(&mut net, &short, &btc, limit(Sell, 100_000, 1_000, 1)).await.unwrap();
    order(&mut net, &long, &btc, limit(Buy, 100_000, 1_000, 2)).await.unwrap();
    assert_money_rules(&mut net).await;

    // Beforehand, the views say what a crash would cost. The long's liquidation price solves
    // P - 74,999 < 5% P; its bankruptcy price P < 74,999; it holds the whole long side.
    let long_trader = net.trader(&long.owner.pubkey(), 0).await.unwrap().unwrap();
    let short_trader = net.trader(&short.owner.pubkey(), 0).await.unwrap().unwrap();
    let mut markets = vec![market_data(&mut net, &btc.address).await];
    let positions = perp_client::risk::positions(&long_trader, &mut markets).unwrap();
    assert_eq!(positions[0].liquidation_price, Some(78_946_315_789));
    assert_eq!(positions[0].bankruptcy_price, Some(74_998_999_999));
    assert_eq!((positions[0].entry_price, positions[0].adl_share_ppm), (100_000 * PRICE, 1_000_000));
    // The shock table, -50% to +50%. At +20%: the short's 9,999 deficit, no fund, the whole long
    // side closed. From -20% to 0 nobody goes below zero; at -50% the long (bankruptcy price
    // 74,999) is 24,999 short.
    let traders = [(long.trader(), long_trader), (short.trader(), short_trader)];
    let shocks = perp_client::risk::STANDARD_SHOCKS_PPM;
    let ledger = perp::state::Ledger::default();
    let rows = perp_client::risk::shock_table(&traders, &markets, &ledger, Some(&long.trader()), &shocks).unwrap();
    let up_20 = rows.iter().find(|r| r.shock_ppm == 200_000).unwrap();
    assert_eq!((up_20.deficit, up_20.insurance_pays, up_20.uncovered), (9_999 * QUOTE, 0, 9_999 * QUOTE));
    assert_eq!(up_20.sides[0].f_ppm, 1_000_000);
    assert_eq!((up_20.yours[0].closed_lots, up_20.yours[0].loss), (1_000, 9_999 * QUOTE));
    let down_50 = rows.iter().find(|r| r.shock_ppm == -500_000).unwrap();
    assert_eq!((down_50.deficit, down_50.uncovered), (24_999 * QUOTE, 24_999 * QUOTE), "the long at 50,000");
    for row in rows.iter().filter(|r| (-200_000..=0).contains(&r.shock_ppm)) {
        assert_eq!(row.deficit, 0, "{row:?}");
    }

    // The price gaps 20% through the short's bankruptcy price (110,001); the fund is empty.
    move_price(&mut net, &btc, 120_000).await;
    assert_eq!(risk(&mut net, &short).await.equity, -9_999 * QUOTE as i64);
    let outcome = resolve_bankruptcy_logs(&mut net, &short).await;
    let resolved = &events::decode::<BankruptcyResolved>(&outcome.logs)[0];
    assert_eq!((resolved.deficit, resolved.insurance_paid, resolved.uncovered), (9_999 * QUOTE, 0, 9_999 * QUOTE));
    assert_eq!(resolved.equity_after, 0);
    let event = &events::decode::<AdlEventRecorded>(&outcome.logs)[0];
    assert_eq!((event.position_lots, event.bankruptcy_price), (-1_000, 110_001 * PRICE));
    // It bought back 1 BTC for 110,001 having sold it for 100,000.
    assert_eq!((event.cash, event.realized_pnl), (-110_001 * QUOTE as i64, -10_001 * QUOTE as i64));
    assert_eq!((event.side_lots, event.closed_lots, event.event_seq), (1_000, 1_000, Some(0)));
    assert_money_rules(&mut net).await;

    // Before anyone touches the long, what it sees already counts the ADL: about 40%, not 80%.
    assert_eq!(risk(&mut net, &long).await.equity, 35_002 * QUOTE as i64);
    let long_trader = net.trader(&long.owner.pubkey(), 0).await.unwrap().unwrap();
    let mut markets = vec![market_data(&mut net, &btc.address).await];
    let view = perp_client::risk::positions(&long_trader, &mut markets).unwrap();
    assert!(view.is_empty(), "its pending ADL closes the whole position: nothing left to show");
    let coverage = perp_client::risk::coverage(0, &mut markets).unwrap();
    assert_eq!(coverage[0].insurance_position_lots, -1_000, "the fund holds the short until the long applies");
    assert_eq!((coverage[0].open_interest_notional, coverage[0].coverage_ppm), (120_000 * QUOTE, 0));
    let outcome = settle_logs(&mut net, &long).await;
    let applied = &events::decode::<AdlApplied>(&outcome.logs)[0];
    assert_eq!(
        (applied.base_lots, applied.price, applied.realized_pnl),
        (1_000, 110_001 * PRICE, 10_001 * QUOTE as i64)
    );
    assert_eq!(applied.position_lots_after, 0);
    let trader = net.trader(&long.owner.pubkey(), 0).await.unwrap().unwrap();
    assert_eq!(trader.collateral, 35_002 * QUOTE);
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn a_gap_the_fund_covers_then_liquidation_without_penalty() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), no_fees, 100_000).await;
    let long = funded_trader(&mut net, 25_001).await;
    let short = funded_trader(&mut net, 10_001).await;
    let keeper = funded_trader(&mut net, 1_000_000).await;
    order(&mut net, &short, &btc, limit(Sell, 100_000, 1_000, 1)).await.unwrap();
    order(&mut net, &long, &btc, limit(Buy, 100_000, 1_000, 2)).await.unwrap();
    // The short also rests a bid below the market.
    order(&mut net, &short, &btc, limit(Buy, 99_000, 10, 3)).await.unwrap();
    move_price(&mut net, &btc, 120_000).await;
    let fund = net.exchange().await.unwrap().ledger.insurance_fund;

    // Below zero, `liquidate` only pulls its orders; its position needs resolution first.
    let outcome = liquidate_logs(&mut net, &keeper, &short, &btc).await;
    assert_eq!(events::decode::<perp::events::OrderCancelled>(&outcome.logs).len(), 1);
    assert!(events::decode::<Liquidated>(&outcome.logs).is_empty());
    assert_perp_error(liquidate(&mut net, &keeper, &short, &btc).await, PerpError::AccountBankrupt);
    let outcome = resolve_bankruptcy_logs(&mut net, &short).await;
    let resolved = &events::decode::<BankruptcyResolved>(&outcome.logs)[0];
    assert_eq!((resolved.insurance_paid, resolved.uncovered), (9_999 * QUOTE, 0));
    assert_eq!(resolved.insurance_fund_after, fund - 9_999 * QUOTE);
    assert!(events::decode::<AdlEventRecorded>(&outcome.logs).is_empty(), "no ADL when the fund covers it");
    let ledger = net.exchange().await.unwrap().ledger;
    assert_eq!(ledger.insurance_drawn, 9_999 * QUOTE);
    assert_money_rules(&mut net).await;

    // At zero equity it is liquidated as any account, with no penalty; the winner keeps it all.
    let outcome = liquidate_logs(&mut net, &keeper, &short, &btc).await;
    let liq = &events::decode::<Liquidated>(&outcome.logs)[0];
    assert_eq!((liq.base_lots, liq.penalty), (1_000, 0));
    assert_eq!(seat(&mut net, &btc.address, &long).await.unwrap().base_lots, 1_000);
    assert_money_rules(&mut net).await;

    // Resolving it again is refused and changes nothing.
    let exchange = net.exchange().await.unwrap();
    let addresses = [short.trader(), btc.address, exchange.vault, exchange.insurance_vault];
    let before = snapshot(&mut net, &addresses).await;
    assert_perp_error(resolve_bankruptcy(&mut net, &short).await, PerpError::NotBankrupt);
    assert_eq!(snapshot(&mut net, &addresses).await, before);
}

#[tokio::test]
async fn the_paired_account_drain_is_closed() {
    // The review's attack: two paired accounts at 50x on both sides, a 10% move; the winner closes
    // against an honest trader and withdraws its realized profit.
    let mut net = localnet_with_insurance(1_000).await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), x50, 100_000).await;
    let winner = funded_trader(&mut net, 2_001).await;
    let loser = funded_trader(&mut net, 2_001).await;
    let honest = funded_trader(&mut net, 100_000).await;
    let keeper = funded_trader(&mut net, 100_000).await;
    order(&mut net, &loser, &btc, limit(Sell, 100_000, 1_000, 1)).await.unwrap();
    order(&mut net, &winner, &btc, limit(Buy, 100_000, 1_000, 2)).await.unwrap();
    let all = [&winner, &loser, &honest, &keeper];
    // 10% up in steps (the band), the honest trader bidding below the last price.
    for price in [104_000, 108_000, 110_000] {
        move_price(&mut net, &btc, price).await;
    }
    order(&mut net, &honest, &btc, limit(Buy, 109_500, 1_000, 3)).await.unwrap();
    let ioc = perp::OrderParams { order_type: perp::OrderType::ImmediateOrCancel, ..limit(Sell, 109_500, 1_000, 4) };
    order(&mut net, &winner, &btc, ioc).await.unwrap();
    assert_money_rules(&mut net).await;

    // The keeper's steps: resolve the loser (the fund's 1,000 first, then ADL on the honest
    // long), then settle the honest trader.
    assert!(risk(&mut net, &loser).await.equity < 0);
    let outcome = resolve_bankruptcy_logs(&mut net, &loser).await;
    let resolved = &events::decode::<BankruptcyResolved>(&outcome.logs)[0];
    assert_eq!(resolved.insurance_paid, 1_000 * QUOTE);
    assert!(resolved.uncovered > 0);
    settle_logs(&mut net, &honest).await;
    assert_money_rules(&mut net).await;

    // The winner withdraws all it may; nobody is left below zero, and what every account could
    // still withdraw is backed by the vault.
    let withdrawable = risk(&mut net, &winner).await.withdrawable().unwrap();
    withdraw(&mut net, &winner, withdrawable).await.unwrap();
    let vault = net.token_balance(&perp_client::pda::vault()).await.unwrap();
    let mut claims = 0u64;
    for w in all {
        let r = risk(&mut net, w).await;
        assert!(r.equity >= 0, "no account below zero equity after the waterfall: {r:?}");
        claims += r.withdrawable().unwrap();
    }
    assert!(claims <= vault, "withdrawable {claims} > vault {vault}");
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn a_margin_set_with_a_market_missing_or_foreign_is_refused() {
    let mut net = localnet_with_insurance(0).await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), no_fees, 100_000).await;
    let eth = create_market(&mut net, default_layout("ETH-PERP"), no_fees, 3_000).await;
    let long = funded_trader(&mut net, 25_001).await;
    let short = funded_trader(&mut net, 10_001).await;
    order(&mut net, &short, &btc, limit(Sell, 100_000, 1_000, 1)).await.unwrap();
    order(&mut net, &long, &btc, limit(Buy, 100_000, 1_000, 2)).await.unwrap();
    move_price(&mut net, &btc, 120_000).await;
    let exchange = net.exchange().await.unwrap();
    let addresses = [short.trader(), btc.address, eth.address, exchange.vault, exchange.insurance_vault];
    let before = snapshot(&mut net, &addresses).await;
    let missing = perp_client::instructions::resolve_bankruptcy(&short.trader(), &[]);
    assert_perp_error(net.send(&[missing], &[]).await, PerpError::MissingMarginAccounts);
    let foreign = perp_client::instructions::resolve_bankruptcy(&short.trader(), &[(eth.address, eth.oracle)]);
    assert_perp_error(net.send(&[foreign], &[]).await, PerpError::ForeignMarket);
    assert_eq!(snapshot(&mut net, &addresses).await, before);
}

#[tokio::test]
async fn pro_rata_on_chain_and_funding_on_the_reduced_size_for_untouched_seats() {
    let mut net = localnet_with_insurance(0).await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), x50, 100_000).await;
    // Two longs of 1,000 lots: a 1x market maker (its hedge is elsewhere) and a 20x gambler;
    // against them a safe short and a 50x short.
    let maker = funded_trader(&mut net, 100_001).await;
    let gambler = funded_trader(&mut net, 5_001).await;
    let safe = funded_trader(&mut net, 1_000_000).await;
    let bankrupt = funded_trader(&mut net, 2_001).await;
    order(&mut net, &safe, &btc, limit(Sell, 100_000, 1_000, 1)).await.unwrap();
    order(&mut net, &maker, &btc, limit(Buy, 100_000, 1_000, 2)).await.unwrap();
    order(&mut net, &bankrupt, &btc, limit(Sell, 100_000, 1_000, 3)).await.unwrap();
    order(&mut net, &gambler, &btc, limit(Buy, 100_000, 1_000, 4)).await.unwrap();

    // A 6% gap: the 50x short is 3,999 below zero, the fund is empty.
    move_price(&mut net, &btc, 106_000).await;
    let outcome = resolve_bankruptcy_logs(&mut net, &bankrupt).await;
    let event = &events::decode::<AdlEventRecorded>(&outcome.logs)[0];
    // f = 1,000 / 2,000 of every long, at 106,000 - 3,999.
    assert_eq!((event.side_lots, event.closed_lots, event.bankruptcy_price), (2_000, 1_000, 102_001 * PRICE));
    assert_money_rules(&mut net).await;

    // What the maker sees before it is touched: half its position gone, its share of a side of
    // 1,000 effective lots.
    let maker_trader = net.trader(&maker.owner.pubkey(), 0).await.unwrap().unwrap();
    let mut markets = vec![market_data(&mut net, &btc.address).await];
    let view = &perp_client::risk::positions(&maker_trader, &mut markets).unwrap()[0];
    assert_eq!((view.base_lots, view.adl_share_ppm), (500, 500_000));
    assert_eq!(view.pending_adl.map(|p| (p.lots, p.price)), Some((500, 102_001 * PRICE)));

    // Three funding intervals pass with nobody touching the longs.
    let mut long_deltas = 0i64;
    for _ in 0..3 {
        let now = net.clock().await.unwrap().unix_timestamp;
        net.set_unix_time(now - now % 3_600 + 3_600).await.unwrap();
        move_price(&mut net, &btc, 106_000).await;
        let ix = perp_client::instructions::update_funding(&btc.address, &btc.oracle);
        let outcome = perp_client::chain::Chain::send(&mut net, &[ix], &[]).await.unwrap();
        let applied = events::decode::<perp::events::FundingApplied>(&outcome.logs);
        assert_eq!(applied.len(), 1);
        assert!(applied[0].long_index_delta > 0);
        long_deltas += applied[0].long_index_delta;
        assert_money_rules(&mut net).await;
    }

    // Each long applies the event on its next touch: the same fraction at the same price, and
    // funding since the event on the 500 lots it kept, exactly as if it had been touched then.
    let mut results = Vec::new();
    for long in [&maker, &gambler] {
        let outcome = settle_logs(&mut net, long).await;
        let applied = events::decode::<AdlApplied>(&outcome.logs);
        let seat = seat(&mut net, &btc.address, long).await.unwrap();
        assert_eq!(seat.base_lots, 500);
        assert_eq!(seat.funding_paid, 500 * long_deltas, "funding on the reduced size only");
        results.push((applied[0].base_lots, applied[0].cash, applied[0].price));
    }
    assert_eq!(results[0], results[1], "the hedged maker and the gambler lose the same");
    let header = header(&mut net, &btc.address).await;
    assert_eq!(header.insurance.base_lots, 0, "f = 1/2 of 1,000 is exact: no dust");
    assert_money_rules(&mut net).await;
}

/// The waterfall's last step, on the validator. A 30% gap, and the bankrupt short's whole
/// opposite side is a newcomer that bought the long's BTC at the oracle with 10x: ADL at the
/// short's bankruptcy price takes 19,999 of its 13,500. Resolved in turn (the fund is empty and
/// it has no position left), its 6,499 deficit is written off: the fee pool first (empty here),
/// then every account's collateral pro rata, each charged on its next touch. Nobody is left below
/// zero, and what every account can withdraw is in the vault (checked after every step).
#[tokio::test]
async fn a_deficit_beyond_the_opposite_sides_equity_is_socialized_over_all_collateral() {
    let mut net = localnet_with_insurance(0).await;
    let NewcomerAfterAGap { btc, long, short, newcomer, bystander } = newcomer_after_a_gap(&mut net, 0).await;
    assert_money_rules(&mut net).await;

    // Beforehand, the shock table shows it, at no further move: the short's 19,999 deficit, the
    // newcomer's 13,500 short of it by 6,499, and the bystander's share of that.
    let mut traders = Vec::new();
    for w in [&long, &short, &newcomer, &bystander] {
        traders.push((w.trader(), net.trader(&w.owner.pubkey(), 0).await.unwrap().unwrap()));
    }
    let markets = vec![market_data(&mut net, &btc.address).await];
    let ledger = net.exchange().await.unwrap().ledger;
    let rows = perp_client::risk::shock_table(&traders, &markets, &ledger, Some(&bystander.trader()), &[0]).unwrap();
    assert_eq!((rows[0].deficit, rows[0].uncovered), (19_999 * QUOTE, 19_999 * QUOTE));
    assert_eq!((rows[0].written_off, rows[0].fee_pool_pays, rows[0].socialized), (6_499 * QUOTE, 0, 6_499 * QUOTE));
    assert_eq!(rows[0].your_socialized, 1_856_857_143, "what the bystander is charged below");

    let outcome = resolve_bankruptcy_logs(&mut net, &short).await;
    let resolved = &events::decode::<BankruptcyResolved>(&outcome.logs)[0];
    assert_eq!((resolved.uncovered, resolved.written_off), (19_999 * QUOTE, 0));
    // Flat at zero equity, its seat's loss paid from its own deposit: the seat is released (a
    // bankrupt account no longer holds a seat for ever).
    assert_eq!(events::decode::<perp::events::SeatReleased>(&outcome.logs).len(), 1);
    assert!(seat(&mut net, &btc.address, &short).await.is_none());
    assert_eq!(risk(&mut net, &newcomer).await.equity, -6_499 * QUOTE as i64, "lost 19,999 of 13,500");
    assert_money_rules(&mut net).await;

    let outcome = resolve_bankruptcy_logs(&mut net, &newcomer).await;
    let resolved = &events::decode::<BankruptcyResolved>(&outcome.logs)[0];
    assert_eq!((resolved.deficit, resolved.insurance_paid, resolved.uncovered), (6_499 * QUOTE, 0, 6_499 * QUOTE));
    assert_eq!((resolved.written_off, resolved.fee_pool_paid, resolved.socialized), (6_499 * QUOTE, 0, 6_499 * QUOTE));
    assert_eq!((resolved.unplaced, resolved.equity_after), (0, 0));
    assert!(seat(&mut net, &btc.address, &newcomer).await.is_none(), "its seat released too");
    let ledger = net.exchange().await.unwrap().ledger;
    assert_eq!((ledger.socialized_losses, ledger.socialized_loss_due), (6_499 * QUOTE, 6_499 * QUOTE));
    assert_eq!(ledger.total_collateral, 35_000 * QUOTE, "the long's 25,000 and the bystander's 10,000");
    assert_money_rules(&mut net).await;

    // The bystander's views count its share before it is charged: 6,499 x 10,000 / 35,000,
    // rounded up; its next touch charges exactly that.
    let share = 1_856_857_143;
    assert_eq!(risk(&mut net, &bystander).await.collateral, 10_000 * QUOTE - share);
    let outcome = settle_logs(&mut net, &bystander).await;
    let charged = &events::decode::<SocializedLossCharged>(&outcome.logs)[0];
    assert_eq!((charged.amount, charged.collateral_after), (share, 10_000 * QUOTE - share));
    assert_money_rules(&mut net).await;
    // The long pays the rest (its rounded-up share, less the unit the bystander's took).
    let outcome = settle_logs(&mut net, &long).await;
    let charged = &events::decode::<SocializedLossCharged>(&outcome.logs)[0];
    assert_eq!(charged.amount, 6_499 * QUOTE - share);
    let ledger = net.exchange().await.unwrap().ledger;
    assert_eq!(ledger.socialized_loss_due, 0);
    // A second touch charges nothing; the bystander can take everything it has left.
    let outcome = settle_logs(&mut net, &bystander).await;
    assert!(events::decode::<SocializedLossCharged>(&outcome.logs).is_empty());
    withdraw(&mut net, &bystander, 10_000 * QUOTE - share).await.unwrap();
    assert_money_rules(&mut net).await;
}
