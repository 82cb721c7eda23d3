use super::*;
use crate::engine::orders::{OrderSide, OrderType};
use crate::engine::test_market::{self as tm, PRICE};
use proptest::prelude::*;

/// 2025-10-11 00:00:00 UTC: a whole number of hours.
const T0: i64 = 1_760_140_800;
const HOUR: i64 = 3_600;

fn header_bytes(data: &[u8]) -> Vec<u8> {
    data[..8 + core::mem::size_of::<MarketHeader>()].to_vec()
}

/// funding_settled_net + pending funding of every live seat: zero at all times.
fn funding_balance(data: &mut [u8]) -> i64 {
    let view = tm::view(data).unwrap();
    let pending: i64 =
        view.seats.iter().filter(|s| !s.is_free()).map(|s| pending_funding(view.header, s).unwrap()).sum();
    view.header.funding_settled_net + pending
}

/// A market with a long (10 lots, seat `long`) against a maker's short (seat `maker`), and the
/// maker's quotes left at `bid` / `ask` (200 lots each) around an oracle of 1,000.
fn market_with_positions(bid: u64, ask: u64) -> (Vec<u8>, u32, u32) {
    let mut data = tm::market(&tm::config(), &tm::layout(16, 8), T0, 1_000).unwrap();
    let (maker, long) = (tm::seat(&mut data).unwrap(), tm::seat(&mut data).unwrap());
    tm::order(&mut data, maker, OrderSide::Sell, OrderType::Limit, 1_000, 10).unwrap();
    tm::order(&mut data, long, OrderSide::Buy, OrderType::ImmediateOrCancel, 1_000, 10).unwrap();
    tm::order(&mut data, maker, OrderSide::Buy, OrderType::Limit, bid, 200).unwrap();
    tm::order(&mut data, maker, OrderSide::Sell, OrderType::Limit, ask, 200).unwrap();
    (data, maker, long)
}

#[test]
fn impact_price_walks_the_band_and_averages() {
    let mut data = tm::market(&tm::config(), &tm::layout(16, 8), T0, 1_000).unwrap();
    let seat = tm::seat(&mut data).unwrap();
    let band = fill_band(tm::view(&mut data).unwrap().header).unwrap();
    assert_eq!(band, (950_500_000, 1_049_500_000), "4.95%: the margin gap less the taker fee");
    let impact = |data: &mut Vec<u8>, side| {
        let view = tm::view(data).unwrap();
        impact_price(&view.book(side), view.header.lot_size, band, 100_000_000).unwrap()
    };
    assert_eq!(impact(&mut data, Side::Ask), None, "empty side");
    // 0.05 base at 1,005 = 50.25 quote: thin, below the 100-quote impact notional.
    tm::order(&mut data, seat, OrderSide::Sell, OrderType::Limit, 1_005, 50).unwrap();
    assert_eq!(impact(&mut data, Side::Ask), None, "thin side");
    // Plus 0.1 base at 1,010: the remaining 49.75 quote buys 49.75 / 1,010 =
    // 0.0492574257... base, so the average is 100 / 0.0992574257... = 1,007.4812967...
    // (hand-checked), 1,007.481297 at 1e6.
    tm::order(&mut data, seat, OrderSide::Sell, OrderType::Limit, 1_010, 100).unwrap();
    assert_eq!(impact(&mut data, Side::Ask), Some(1_007_481_297));
    // An order outside the fill band can't fill now and doesn't count.
    let mut data = tm::market(&tm::config(), &tm::layout(16, 8), T0, 1_000).unwrap();
    let seat = tm::seat(&mut data).unwrap();
    tm::order(&mut data, seat, OrderSide::Sell, OrderType::Limit, 1_050, 500).unwrap();
    assert_eq!(impact(&mut data, Side::Ask), None, "outside the band");
    tm::order(&mut data, seat, OrderSide::Sell, OrderType::Limit, 1_049, 500).unwrap();
    assert_eq!(impact(&mut data, Side::Ask), Some(1_049 * PRICE), "the last tick inside counts");
}

#[test]
fn orders_outside_the_band_do_not_use_up_the_walk() {
    // 70 one-lot bids at 1,060 (above the band: they cannot fill now), then 200 lots at 1,010.
    let mut data = tm::market(&tm::config(), &tm::layout(128, 8), T0, 1_000).unwrap();
    let band = fill_band(tm::view(&mut data).unwrap().header).unwrap();
    for (seat, count) in [(tm::seat(&mut data).unwrap(), 32), (tm::seat(&mut data).unwrap(), 32)] {
        for i in 0..count {
            tm::order_with_id(&mut data, seat, OrderSide::Buy, OrderType::Limit, 1_060, 1, i).unwrap();
        }
    }
    let seat = tm::seat(&mut data).unwrap();
    for i in 0..6 {
        tm::order_with_id(&mut data, seat, OrderSide::Buy, OrderType::Limit, 1_060, 1, i).unwrap();
    }
    tm::order(&mut data, seat, OrderSide::Buy, OrderType::Limit, 1_010, 200).unwrap();
    let view = tm::view(&mut data).unwrap();
    assert_eq!(view.book(Side::Bid).len(), 71);
    let impact = impact_price(&view.book(Side::Bid), view.header.lot_size, band, 100_000_000).unwrap();
    assert_eq!(impact, Some(1_010 * PRICE));
}

#[test]
fn rich_book_longs_pay_shorts_exactly_at_the_boundary() {
    // Impact bid 1,010 over an oracle of 1,000: premium +1%.
    let (mut data, maker, long) = market_with_positions(1_010, 1_020);
    // The first sample reads the book; nothing has accrued yet.
    let first = update_funding(&mut tm::view(&mut data).unwrap(), T0).unwrap();
    assert_eq!((first.sample_secs, first.accrued_premium, first.premium), (0, 0, 10_000_000));
    let half = update_funding(&mut tm::view(&mut data).unwrap(), T0 + HOUR / 2).unwrap();
    assert_eq!((half.accrued_premium, half.sample_secs, half.applied), (10_000_000, HOUR / 2, None));
    let update = update_funding(&mut tm::view(&mut data).unwrap(), T0 + HOUR).unwrap();
    let applied = update.applied.unwrap();
    // F = 1% + clamp(0.0125% - 1%, +-0.05%) = 0.95%, capped at 0.75%. One lot (0.001 base at
    // 1,000 = 1 quote) pays 0.0075 quote = 7,500 units.
    assert_eq!((applied.average_premium, applied.rate), (10_000_000, 7_500_000));
    assert_eq!((applied.long_index_delta, applied.short_index_delta, applied.dust), (7_500, 7_500, 0));
    assert_eq!((applied.interval_start, applied.skipped_intervals), (T0, 0));
    let view = tm::view(&mut data).unwrap();
    assert_eq!(pending_funding(view.header, view.seat(long).unwrap()), Ok(75_000));
    assert_eq!(pending_funding(view.header, view.seat(maker).unwrap()), Ok(-75_000));
    assert_eq!(funding_balance(&mut data), 0);
    // Settling moves it into unsettled quote, exactly opposite.
    let view = tm::view(&mut data).unwrap();
    let before = (view.seats[long as usize].unsettled_quote, view.seats[maker as usize].unsettled_quote);
    assert_eq!(settle_seat_funding(view.header, &mut view.seats[long as usize]), Ok(75_000));
    assert_eq!(settle_seat_funding(view.header, &mut view.seats[maker as usize]), Ok(-75_000));
    assert_eq!(view.seats[long as usize].unsettled_quote, before.0 - 75_000);
    assert_eq!(view.seats[maker as usize].unsettled_quote, before.1 + 75_000);
    assert_eq!(view.header.funding_settled_net, 0);
    assert_eq!(settle_seat_funding(view.header, &mut view.seats[long as usize]), Ok(0), "settled once");
}

#[test]
fn cheap_book_shorts_pay_longs() {
    // Impact ask 995 under 1,000: premium -0.5%; F = -0.5% + clamp(0.0125% + 0.5%) = -0.45%.
    let (mut data, maker, long) = market_with_positions(990, 995);
    update_funding(&mut tm::view(&mut data).unwrap(), T0).unwrap();
    let applied = update_funding(&mut tm::view(&mut data).unwrap(), T0 + HOUR).unwrap().applied.unwrap();
    assert_eq!(applied.rate, -4_500_000);
    assert_eq!((applied.long_index_delta, applied.short_index_delta), (-4_500, -4_500));
    let view = tm::view(&mut data).unwrap();
    assert_eq!(pending_funding(view.header, view.seat(long).unwrap()), Ok(-45_000));
    assert_eq!(pending_funding(view.header, view.seat(maker).unwrap()), Ok(45_000));
}

#[test]
fn a_quote_pulled_right_after_a_sample_weighs_nothing() {
    // A flat book (premium 0) for the whole hour, except a rich bid placed, sampled and
    // pulled in the same second: the cancel re-reads the book, so the spoof accrues 0 s.
    let (mut data, _, _) = market_with_positions(995, 1_005);
    update_funding(&mut tm::view(&mut data).unwrap(), T0).unwrap();
    let spoofer = tm::seat(&mut data).unwrap();
    let at = T0 + HOUR - 10;
    tm::order_with_id(&mut data, spoofer, OrderSide::Buy, OrderType::Limit, 1_040, 500, 99).unwrap();
    after_book_change(&mut tm::view(&mut data).unwrap(), at, true).unwrap();
    let sample = update_funding(&mut tm::view(&mut data).unwrap(), at).unwrap();
    assert_eq!((sample.sample_secs, sample.premium), (0, 40_000_000), "seen, not yet counted");
    crate::engine::orders::cancel_by_client_id(&mut tm::view(&mut data).unwrap(), spoofer, 99).unwrap();
    let reread = after_book_change(&mut tm::view(&mut data).unwrap(), at, true).unwrap().unwrap();
    assert_eq!((reread.sample_secs, reread.premium), (0, 0));
    let applied = update_funding(&mut tm::view(&mut data).unwrap(), T0 + HOUR).unwrap().applied.unwrap();
    // Premium 0 all hour: F = I = 12,500 (0.00125% an hour).
    assert_eq!((applied.average_premium, applied.rate), (0, 12_500));
}

#[test]
fn a_book_change_with_a_stale_oracle_neutralizes_the_reading() {
    let (mut data, _, _) = market_with_positions(1_010, 1_020);
    update_funding(&mut tm::view(&mut data).unwrap(), T0).unwrap();
    // 600 s later a cancel with a stale cached oracle: 600 s accrue at +1%, then 0.
    assert_eq!(after_book_change(&mut tm::view(&mut data).unwrap(), T0 + 600, false).unwrap(), None);
    let view = tm::view(&mut data).unwrap();
    assert_eq!((view.header.funding_last_premium, view.header.funding_sampled_secs), (0, 600));
    assert_eq!(view.header.funding_premium_time_sum, 600 * 10_000_000);
}

#[test]
fn a_second_crank_at_the_same_time_changes_nothing() {
    let (mut data, _, _) = market_with_positions(1_010, 1_020);
    update_funding(&mut tm::view(&mut data).unwrap(), T0 + 600).unwrap();
    let before = header_bytes(&data);
    let again = update_funding(&mut tm::view(&mut data).unwrap(), T0 + 600).unwrap();
    assert_eq!((again.sample_secs, again.applied), (0, None));
    assert_eq!(header_bytes(&data), before);
    // Also across a boundary: the second call neither samples nor applies.
    update_funding(&mut tm::view(&mut data).unwrap(), T0 + HOUR + 5).unwrap();
    let before = header_bytes(&data);
    assert_eq!(update_funding(&mut tm::view(&mut data).unwrap(), T0 + HOUR + 5).unwrap().applied, None);
    assert_eq!(header_bytes(&data), before);
}

#[test]
fn an_outage_applies_one_interval_once() {
    let (mut data, _, long) = market_with_positions(1_010, 1_020);
    update_funding(&mut tm::view(&mut data).unwrap(), T0).unwrap();
    // No update for three and a half hours: one capped interval, two skipped.
    let update = update_funding(&mut tm::view(&mut data).unwrap(), T0 + 3 * HOUR + HOUR / 2).unwrap();
    let applied = update.applied.unwrap();
    assert_eq!((applied.rate, applied.skipped_intervals, applied.interval_start), (7_500_000, 2, T0));
    let view = tm::view(&mut data).unwrap();
    assert_eq!(pending_funding(view.header, view.seat(long).unwrap()), Ok(75_000), "charged once");
    // The interval containing now starts fresh, accruing from now (not from its start).
    assert_eq!(view.header.funding_interval_start, T0 + 3 * HOUR);
    assert_eq!(view.header.funding_sampled_secs, 0);
    assert_eq!(view.header.funding_last_sample_time, T0 + 3 * HOUR + HOUR / 2);
    assert_eq!(update_funding(&mut tm::view(&mut data).unwrap(), T0 + 4 * HOUR - 1).unwrap().applied, None);
}

#[test]
fn rounding_dust_goes_to_the_insurance_fund_and_the_books_stay_zero_sum() {
    let (mut data, maker, long) = market_with_positions(1_010, 1_020);
    update_funding(&mut tm::view(&mut data).unwrap(), T0).unwrap();
    // At 1,001 a lot is worth 1.001 quote: 0.75% of it is 7,507.5 units.
    tm::view(&mut data).unwrap().header.oracle_price = 1_001 * PRICE;
    let applied = update_funding(&mut tm::view(&mut data).unwrap(), T0 + HOUR).unwrap().applied.unwrap();
    assert_eq!((applied.long_index_delta, applied.short_index_delta), (7_508, 7_507));
    assert_eq!(applied.dust, 10, "1 unit per lot of the 10 lots open");
    assert_eq!(tm::view(&mut data).unwrap().header.funding_settled_net, -10);
    assert_eq!(funding_balance(&mut data), 0);
    let view = tm::view(&mut data).unwrap();
    assert_eq!(settle_seat_funding(view.header, &mut view.seats[long as usize]), Ok(75_080));
    assert_eq!(settle_seat_funding(view.header, &mut view.seats[maker as usize]), Ok(-75_070));
    assert_eq!(view.header.funding_settled_net, 0);
}

#[derive(Debug, Clone)]
enum Step {
    /// Seat `who` takes `lots` from the book's best order on `side` (resting quotes refill).
    Trade { who: usize, buy: bool, lots: u64 },
    /// The oracle moves by `bps`.
    Price { bps: i64 },
    /// Time passes and the funding crank runs.
    Crank { secs: i64 },
    /// One seat settles its funding.
    Settle { who: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0usize..4, any::<bool>(), 2u64..40).prop_map(|(who, buy, lots)| Step::Trade { who, buy, lots }),
        2 => (-300i64..=300).prop_map(|bps| Step::Price { bps }),
        3 => (1i64..5_000).prop_map(|secs| Step::Crank { secs }),
        2 => (0usize..4).prop_map(|who| Step::Settle { who }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::engine::test_market::proptest_cases(crate::engine::test_market::MONEY_CASES_FUNDING)))]
    /// Money rule 3: whatever the positions and the price path, what longs pay equals what
    /// shorts receive plus the dust to the insurance fund; the market's cash on the books
    /// moves only by that dust; long base == short base.
    #[test]
    fn funding_is_zero_sum(steps in proptest::collection::vec(step(), 1..60)) {
        let mut data = tm::market(&tm::config(), &tm::layout(64, 8), T0, 1_000).unwrap();
        let quoter = tm::seat(&mut data).unwrap();
        let seats: Vec<u32> = (0..4).map(|_| tm::seat(&mut data).unwrap()).collect();
        let (mut now, mut dust_total, mut fees_total, mut oracle) = (T0, 0u64, 0u64, 1_000u64);
        let cash0 = crate::engine::account::market_cash(tm::view(&mut data).unwrap().header).unwrap();
        for step in steps {
            match step {
                Step::Trade { who, buy, lots } => {
                    // The quoter refreshes 100 lots each side one tick off the oracle.
                    crate::engine::orders::cancel_all(
                        &mut tm::view(&mut data).unwrap(), quoter, crate::engine::orders::CancelReason::User)
                        .unwrap();
                    tm::order(&mut data, quoter, OrderSide::Buy, OrderType::Limit, oracle - 1, 100).unwrap();
                    tm::order(&mut data, quoter, OrderSide::Sell, OrderType::Limit, oracle + 1, 100).unwrap();
                    let (side, price) = if buy { (OrderSide::Buy, oracle + 1) } else { (OrderSide::Sell, oracle - 1) };
                    let out = tm::order(&mut data, seats[who], side, OrderType::ImmediateOrCancel, price, lots)
                        .unwrap();
                    fees_total += out.fees_to_pool + out.fees_to_insurance;
                }
                Step::Price { bps } => {
                    oracle = (oracle as i64 + oracle as i64 * bps / 10_000).clamp(500, 5_000) as u64;
                    tm::view(&mut data).unwrap().header.oracle_price = oracle * PRICE;
                }
                Step::Crank { secs } => {
                    now += secs;
                    let update = update_funding(&mut tm::view(&mut data).unwrap(), now).unwrap();
                    dust_total += update.applied.map_or(0, |a| a.dust);
                }
                Step::Settle { who } => {
                    let view = tm::view(&mut data).unwrap();
                    settle_seat_funding(view.header, &mut view.seats[seats[who] as usize]).unwrap();
                }
            }
            prop_assert_eq!(funding_balance(&mut data), 0);
            let view = tm::view(&mut data).unwrap();
            let cash = crate::engine::account::market_cash(view.header).unwrap();
            // Fills net to zero across seats; only fees and the dust leave the market's cash.
            prop_assert_eq!(cash, cash0 - dust_total as i64 - fees_total as i64);
            let long: i64 = view.seats.iter().map(|s| s.base_lots.max(0)).sum();
            let short: i64 = view.seats.iter().map(|s| (-s.base_lots).max(0)).sum();
            prop_assert_eq!(long, short);
            prop_assert_eq!(view.header.open_interest_lots as i64, long);
        }
    }
}

/// Item 10 of the security review, priced. The minimum order is 5 quote and the impact notional
/// 320 (64 x 5: the walk of 64 orders reaches it whatever the book holds).
fn priced_market() -> Vec<u8> {
    let config = crate::state::MarketConfig {
        min_order_notional: 5_000_000,
        seat_deposit: 5_000_000,
        funding_impact_notional: 320_000_000,
        ..tm::config()
    };
    tm::market(&config, &tm::layout(128, 8), T0, 1_000).unwrap()
}

fn premium_now(data: &mut [u8]) -> i64 {
    current_premium(&tm::view(data).unwrap()).unwrap().0
}

#[test]
fn crumbs_cannot_make_a_side_read_thin() {
    // Honest asks below the oracle (the perp trades at a discount: shorts pay): 0.5%.
    let mut data = priced_market();
    let (honest, attacker, accomplice) =
        (tm::seat(&mut data).unwrap(), tm::seat(&mut data).unwrap(), tm::seat(&mut data).unwrap());
    tm::order(&mut data, honest, OrderSide::Sell, OrderType::Limit, 995, 1_000).unwrap();
    let before = premium_now(&mut data);
    assert_eq!(before, -5_000_000, "-0.5%");
    // A short who pays it tries to make the ask side read thin: 64 asks of 7 lots ahead of the
    // honest ones, each then partly bought by an accomplice (6 lots, 5.96 quote) down to a 1-lot
    // crumb (64 crumbs are 63.6 quote, far from the walk's 320). Each crumb leaves the book.
    for i in 0..64 {
        tm::order_with_id(&mut data, attacker, OrderSide::Sell, OrderType::Limit, 994, 7, i).unwrap();
        let out = tm::order(&mut data, accomplice, OrderSide::Buy, OrderType::ImmediateOrCancel, 994, 6).unwrap();
        assert_eq!(out.cancels.last().map(|c| c.reason), Some(crate::engine::orders::CancelReason::Remnant));
    }
    let view = tm::view(&mut data).unwrap();
    assert_eq!(view.book(Side::Ask).len(), 1, "only the honest asks rest");
    assert_eq!(premium_now(&mut data), before, "the premium still reads the honest book");
}

#[test]
fn holding_funding_at_its_cap_costs_the_impact_notional_times_the_cap_each_time_it_is_taken() {
    // Honest bids at 999 and no ask inside the band (asks there would fill the attacker's bids
    // first: the book's own asks bound how rich a bid can rest). No premium.
    let mut data = priced_market();
    let (honest, attacker, arbitrageur) =
        (tm::seat(&mut data).unwrap(), tm::seat(&mut data).unwrap(), tm::seat(&mut data).unwrap());
    tm::order(&mut data, honest, OrderSide::Buy, OrderType::Limit, 999, 1_000).unwrap();
    assert_eq!(premium_now(&mut data), 0);
    // A short wants longs to pay the 0.75% cap. Its cheapest way is bids at the fill band's
    // edge (1,049), as few as reach the cap: the walk averages them with the honest bids behind
    // over the 320-quote impact notional.
    let cap = 7_500_000;
    let mut lots = 0;
    while premium_now(&mut data) < cap {
        tm::order_with_id(&mut data, attacker, OrderSide::Buy, OrderType::Limit, 1_049, 5, lots).unwrap();
        lots += 5;
    }
    // 11 orders of 5 lots: 57.695 quote at 1,049 and 262.305 at 999 average 1,007.66 (0.766%);
    // 10 orders average 1,006.86 (0.686%), short of the cap.
    assert_eq!(lots, 55);
    // Those bids sit 4.9% above the oracle: an arbitrageur sells into them at once and earns
    // what the attacker loses: 49 quote x 0.055 = 2.695 quote, more than the cap times the
    // impact notional (0.75% x 320 = 2.4), every time the attacker puts them back. On a real
    // market the impact notional is what makes this expensive (see `migrations/localnet.toml`).
    let out = tm::order(&mut data, arbitrageur, OrderSide::Sell, OrderType::ImmediateOrCancel, 1_049, lots).unwrap();
    assert_eq!(out.filled_lots, lots);
    let view = tm::view(&mut data).unwrap();
    let seat = view.seat(attacker).unwrap();
    let position = crate::math::position::Position { base_lots: seat.base_lots, quote_entry: seat.quote_entry };
    let loss_at_oracle = -position.unrealized_pnl(view.header.lot_size, view.header.oracle_price).unwrap();
    assert_eq!(loss_at_oracle, 2_695_000);
    assert!(loss_at_oracle as u64 >= 320_000_000 * 75 / 10_000);
    assert_eq!(premium_now(&mut data), 0, "taken: the premium is back to the honest book's");
}
