//! Funding on the in-process validator: premium samples, the capped rate at the boundary, lazy
//! settlement, two cranks in one second, a keeper outage, and funding run ahead of trading.
use perp::engine::orders::{OrderSide::*, OrderType};
use perp::events::{FundingApplied, FundingSampled, FundingSettled};
use perp_client::chain::Chain;
use perp_client::chain::TxOutcome;
use perp_client::{events, instructions, views};
use perp_localnet::localnet::Localnet;
use perp_tests::*;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_sdk::signature::Signer;

/// 2025-10-11 00:00:00 UTC, a whole number of hours.
const T0: i64 = 1_760_140_800;
const HOUR: i64 = 3_600;

/// A market at 1,000 created at `T0`; `long` bought 10 lots (10 quote of notional) from
/// `maker`, who then quotes 200 lots at `bid` / `ask`.
struct Setup {
    net: Localnet,
    market: TestMarket,
    maker: Wallet,
    long: Wallet,
}

async fn setup(bid: u64, ask: u64) -> Setup {
    let mut net = localnet().await;
    net.set_unix_time(T0).await.unwrap();
    let market = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let maker = new_trader(&mut net, 10_000 * QUOTE).await;
    deposit(&mut net, &maker, 10_000 * QUOTE).await.unwrap();
    let long = new_trader(&mut net, 1_000 * QUOTE).await;
    deposit(&mut net, &long, 1_000 * QUOTE).await.unwrap();
    order(&mut net, &maker, &market, limit(Sell, 1_000, 10, 1)).await.unwrap();
    let take = perp::OrderParams { order_type: OrderType::ImmediateOrCancel, ..limit(Buy, 1_000, 10, 2) };
    order(&mut net, &long, &market, take).await.unwrap();
    order(&mut net, &maker, &market, limit(Buy, bid, 200, 3)).await.unwrap();
    order(&mut net, &maker, &market, limit(Sell, ask, 200, 4)).await.unwrap();
    // The orders already made the market read its book at T0 (every book change does); the
    // keeper's first crank in the same second accrues nothing.
    let ix = instructions::update_funding(&market.address, &market.oracle);
    let out = Chain::send(&mut net, &[ix], &[]).await.expect("first sample");
    let first = &events::decode::<FundingSampled>(&out.logs)[0];
    assert_eq!(first.sample_secs, 0);
    Setup { net, market, maker, long }
}

impl Setup {
    /// Moves the clock to `at`, publishes the oracle at 1,000 there and cranks funding.
    async fn crank_at(&mut self, at: i64) -> TxOutcome {
        self.net.set_unix_time(at).await.unwrap();
        push_price(&mut self.net, &self.market, 1_000 * PRICE, 0).await.unwrap();
        self.crank(&[]).await
    }

    /// Sends `update_funding` (after `extra` instructions, which make a distinct transaction).
    async fn crank(&mut self, extra: &[solana_sdk::instruction::Instruction]) -> TxOutcome {
        let mut ixs = extra.to_vec();
        ixs.push(instructions::update_funding(&self.market.address, &self.market.oracle));
        Chain::send(&mut self.net, &ixs, &[]).await.expect("update_funding")
    }

    async fn settle(&mut self, wallet: &Wallet) -> Vec<FundingSettled> {
        let ix = instructions::settle_funding(&wallet.trader(), &[self.market.address]);
        let out = Chain::send(&mut self.net, &[ix], &[]).await.expect("settle_funding");
        events::decode::<FundingSettled>(&out.logs)
    }

    async fn collateral(&mut self, wallet: &Wallet) -> u64 {
        self.net.trader(&wallet.owner.pubkey(), 0).await.unwrap().unwrap().collateral
    }

    async fn books_balance(&mut self) {
        assert_money_rules(&mut self.net).await;
    }
}

#[tokio::test]
async fn rich_book_longs_pay_shorts_exactly_what_they_receive() {
    // Impact bid 1,010 over an oracle of 1,000: premium +1%.
    let mut s = setup(1_010, 1_020).await;
    let out = s.crank_at(T0 + HOUR / 2).await;
    let sample = &events::decode::<FundingSampled>(&out.logs)[0];
    assert_eq!((sample.accrued_premium, sample.sample_secs), (10_000_000, HOUR / 2));
    assert_eq!((sample.premium, sample.impact_bid, sample.impact_ask), (10_000_000, 1_010 * PRICE, 1_020 * PRICE));
    assert!(events::decode::<FundingApplied>(&out.logs).is_empty());

    let out = s.crank_at(T0 + HOUR).await;
    let applied = &events::decode::<FundingApplied>(&out.logs)[0];
    // F = 1% + clamp(0.0125% - 1%, +-0.05%) = 0.95%, capped at 0.75%: 7,500 units per 1-quote lot.
    assert_eq!((applied.rate, applied.long_index_delta, applied.short_index_delta), (7_500_000, 7_500, 7_500));
    assert_eq!((applied.interval_start, applied.open_interest_lots, applied.dust_to_insurance), (T0, 10, 0));
    s.books_balance().await;

    let (long_before, maker_before) = (s.collateral(&s.long.clone()).await, s.collateral(&s.maker.clone()).await);
    let long_paid = s.settle(&s.long.clone()).await;
    let maker_paid = s.settle(&s.maker.clone()).await;
    assert_eq!(long_paid[0].amount, 75_000, "0.75% of 10 quote");
    assert_eq!(maker_paid[0].amount, -75_000, "exactly what the long paid");
    assert_eq!(s.collateral(&s.long.clone()).await, long_before - 75_000);
    assert_eq!(s.collateral(&s.maker.clone()).await, maker_before + 75_000);
    assert_eq!(header(&mut s.net, &s.market.address).await.funding_settled_net, 0);
    s.books_balance().await;

    // Views: the last rate and its APR (hourly: x 8,760), the long's funding on its equity.
    let h = header(&mut s.net, &s.market.address).await;
    let view = views::funding(&h).unwrap();
    assert_eq!((view.last_rate, view.last_apr, view.next_boundary), (7_500_000, 7_500_000 * 8_760, T0 + 2 * HOUR));
    let long_seat = seat(&mut s.net, &s.market.address, &s.long.clone()).await.unwrap();
    assert_eq!(long_seat.funding_paid, 75_000);
}

#[tokio::test]
async fn a_positions_funding_on_its_own_money() {
    let mut s = setup(1_010, 1_020).await;
    s.crank_at(T0 + HOUR).await;
    // Before settling: the long owes 75,000, counted in its equity already. Equity = 999
    // collateral + 1 seat deposit - 0.005 taker fee - 0.075 funding = 999.92 quote.
    let long = s.long.clone();
    let r = risk(&mut s.net, &long).await;
    assert_eq!(r.equity, 999_920_000);
    let h = header(&mut s.net, &s.market.address).await;
    let funding = views::position_funding(&h, &seat(&mut s.net, &s.market.address, &long).await.unwrap(), r.equity);
    let funding = funding.unwrap();
    // The new interval has no sample yet: predicted F = I = 0.00125% an hour, 10.95% a year. The
    // position (10 quote) is 1.0008% of equity, rounded up to 2/100 of it: 0.219% a year of equity.
    assert_eq!(views::funding(&h).unwrap().predicted_apr, 109_500_000);
    assert_eq!((funding.pending, funding.paid, funding.leverage_x100), (75_000, 0, 2));
    assert_eq!(funding.predicted_apr_on_equity, 2_190_000);
}

#[tokio::test]
async fn cheap_book_shorts_pay_longs() {
    // Impact ask 995 under 1,000: premium -0.5%; F = -0.5% + 0.05% = -0.45%.
    let mut s = setup(990, 995).await;
    let out = s.crank_at(T0 + HOUR).await;
    let applied = &events::decode::<FundingApplied>(&out.logs)[0];
    assert_eq!((applied.rate, applied.long_index_delta), (-4_500_000, -4_500));
    assert_eq!(s.settle(&s.long.clone()).await[0].amount, -45_000, "the long receives");
    assert_eq!(s.settle(&s.maker.clone()).await[0].amount, 45_000, "the short pays");
    s.books_balance().await;
}

#[tokio::test]
async fn two_cranks_in_one_second_apply_once() {
    let mut s = setup(1_010, 1_020).await;
    s.crank_at(T0 + 60).await;
    let out = s.crank_at(T0 + HOUR + 1).await;
    assert_eq!(events::decode::<FundingApplied>(&out.logs).len(), 1);
    let before = market_data(&mut s.net, &s.market.address).await.data;
    // A second keeper's crank in the same second (a distinct transaction): nothing changes.
    let out = s.crank(&[ComputeBudgetInstruction::set_compute_unit_limit(300_000)]).await;
    assert!(events::decode::<FundingApplied>(&out.logs).is_empty());
    assert_eq!(events::decode::<FundingSampled>(&out.logs)[0].sample_secs, 0);
    assert_eq!(market_data(&mut s.net, &s.market.address).await.data, before);
    s.books_balance().await;
}

#[tokio::test]
async fn a_keeper_outage_charges_one_interval() {
    let mut s = setup(1_010, 1_020).await;
    // Nothing cranks for three and a half hours.
    let out = s.crank_at(T0 + 3 * HOUR + HOUR / 2).await;
    let applied = &events::decode::<FundingApplied>(&out.logs)[0];
    assert_eq!((applied.rate, applied.skipped_intervals, applied.interval_start), (7_500_000, 2, T0));
    assert_eq!(s.settle(&s.long.clone()).await[0].amount, 75_000, "one interval, not four");
    let h = header(&mut s.net, &s.market.address).await;
    assert_eq!((h.funding_interval_start, h.funding_sampled_secs), (T0 + 3 * HOUR, 0), "accrues from now");
    s.books_balance().await;
}

#[tokio::test]
async fn trading_and_withdrawing_run_a_due_update_first() {
    let mut s = setup(1_010, 1_020).await;
    s.net.set_unix_time(T0 + HOUR + 30).await.unwrap();
    push_price(&mut s.net, &s.market, 1_000 * PRICE, 0).await.unwrap();
    // No crank: the long's next order applies the interval before it trades.
    let set = margin_set(&mut s.net, &s.long.clone(), Some(&s.market.address)).await;
    let long = s.long.clone();
    let ix = instructions::place_order(
        &long.owner.pubkey(),
        0,
        &s.market.address,
        &s.market.oracle,
        limit(Buy, 990, 5, 9),
        &set,
    );
    let out = Chain::send(&mut s.net, &[ix], &[&long.owner]).await.unwrap();
    assert_eq!(events::decode::<FundingApplied>(&out.logs)[0].rate, 7_500_000);
    // ... and its own seat settled the payment in the same instruction.
    let settled = events::decode::<FundingSettled>(&out.logs);
    assert_eq!((settled[0].trader, settled[0].amount), (long.trader(), 75_000));
    s.books_balance().await;

    // The next boundary is due at the maker's withdrawal: applied there, dust and all.
    s.net.set_unix_time(T0 + 2 * HOUR + 5).await.unwrap();
    push_price(&mut s.net, &s.market, 1_001 * PRICE, 0).await.unwrap();
    let maker = s.maker.clone();
    let set = margin_set(&mut s.net, &maker, None).await;
    let ix = instructions::with_margin_set(
        instructions::withdraw(&maker.owner.pubkey(), 0, &maker.token_account, QUOTE),
        &set,
    );
    let insurance_before = s.net.exchange().await.unwrap().ledger.insurance_fund;
    let out = Chain::send(&mut s.net, &[ix], &[&maker.owner]).await.unwrap();
    let applied = &events::decode::<FundingApplied>(&out.logs)[0];
    // At 1,001 a lot is 1.001 quote: 0.75% is 7,507.5 units, longs pay 7,508, shorts get 7,507.
    assert_eq!((applied.long_index_delta, applied.short_index_delta, applied.dust_to_insurance), (7_508, 7_507, 10));
    assert_eq!(s.net.exchange().await.unwrap().ledger.insurance_fund, insurance_before + 10);
    s.books_balance().await;
    s.settle(&s.long.clone()).await;
    assert_eq!(header(&mut s.net, &s.market.address).await.funding_settled_net, 0, "zero-sum once all settled");
    s.books_balance().await;
}

#[tokio::test]
async fn a_quote_placed_sampled_and_pulled_in_one_transaction_moves_nothing() {
    // A flat book: bid 995, ask 1,005 around 1,000, premium 0.
    let mut s = setup(995, 1_005).await;
    let spoofer = new_trader(&mut s.net, 10_000 * QUOTE).await;
    deposit(&mut s.net, &spoofer, 10_000 * QUOTE).await.unwrap();
    // One transaction: a rich bid (impact bid 1,040: +4%), the permissionless crank, the cancel.
    s.net.set_unix_time(T0 + 60).await.unwrap();
    push_price(&mut s.net, &s.market, 1_000 * PRICE, 0).await.unwrap();
    let o = spoofer.owner.pubkey();
    let place = instructions::place_order(&o, 0, &s.market.address, &s.market.oracle, limit(Buy, 1_040, 500, 7), &[]);
    let crank = instructions::update_funding(&s.market.address, &s.market.oracle);
    let cancel = instructions::cancel_order(&o, 0, &s.market.address, 7);
    let out = Chain::send(&mut s.net, &[place, crank, cancel], &[&spoofer.owner]).await.unwrap();
    let samples = events::decode::<FundingSampled>(&out.logs);
    assert_eq!(samples.iter().map(|e| e.premium).collect::<Vec<_>>(), vec![40_000_000, 40_000_000, 0]);
    // At the boundary the hour averaged 0: F = I, not the 0.75% cap the spoof aimed for.
    let out = s.crank_at(T0 + HOUR).await;
    let applied = &events::decode::<FundingApplied>(&out.logs)[0];
    assert_eq!((applied.average_premium, applied.rate), (0, 12_500));
    let mut traders = vec![s.maker.key(), s.long.key(), spoofer.key()];
    traders.dedup();
    assert_money_rules(&mut s.net).await;
}
