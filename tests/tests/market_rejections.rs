//! Every way the exchange turns a market instruction down, on the in-process validator: market
//! parameter ranges, admin-only updates, reduce-only markets and the trading pause, margin, seats,
//! open orders, full book sides, the open-interest cap, margin sets, oracles and the fill cap per
//! order. Each rejection names its error; the ones that touch money leave every account they
//! reach byte for byte as it was, and the books balance.
use perp::engine::orders::{CancelReason, OrderSide::*, OrderType};
use perp::error::PerpError;
use perp::events::{OrderCancelled, OrderFilled, OrderPlaced, SeatClaimed, SeatReleased};
use perp::math::margin::BracketParams;
use perp::state::{market_account_size, PushOracle, PAUSE_TRADING};
use perp::{MarketConfig, MarketLayout, MarketStatus, OrderParams};
use perp_client::chain::Chain;
use perp_client::{events, instructions, pda};
use perp_localnet::localnet::Localnet;
use perp_tests::*;
use solana_program_test::BanksClientError;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

// ----------------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------------

fn ioc(side: perp::OrderSide, price_quote: u64, lots: u64, id: u64) -> OrderParams {
    OrderParams { order_type: OrderType::ImmediateOrCancel, ..limit(side, price_quote, lots, id) }
}

fn reduce_ioc(side: perp::OrderSide, price_quote: u64, lots: u64, id: u64) -> OrderParams {
    OrderParams { reduce_only: true, ..ioc(side, price_quote, lots, id) }
}

/// The accounts an order or a withdrawal can change: the exchange, both vaults, the traders'
/// accounts and token accounts, and the markets.
fn watched(wallets: &[&Wallet], markets: &[Pubkey]) -> Vec<Pubkey> {
    let mut out = vec![pda::exchange(), pda::vault(), pda::insurance_vault()];
    for w in wallets {
        out.push(w.trader());
        out.push(w.token_account);
    }
    out.extend_from_slice(markets);
    out
}

/// Asserts that `result` failed with `expected` and that `addresses` did not change.
async fn assert_rejected_unchanged(
    net: &mut Localnet,
    addresses: &[Pubkey],
    before: &Snapshot,
    result: Result<(), BanksClientError>,
    expected: PerpError,
) {
    assert_perp_error(result, expected);
    assert_eq!(&snapshot(net, addresses).await, before, "a rejected {expected:?} changed an account");
}

/// A compute-budget instruction that makes an otherwise identical transaction distinct: the
/// harness sends a repeated transaction in a new slot, and moving to a new slot moves the clock.
fn salt(n: u32) -> Instruction {
    solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(1_000_000 + n)
}

/// `refresh_oracle`, made distinct by `n`.
async fn refresh(net: &mut Localnet, market: &Pubkey, oracle: &Pubkey, n: u32) -> Result<(), BanksClientError> {
    net.send(&[salt(n), instructions::refresh_oracle(market, oracle)], &[]).await
}

async fn collateral(net: &mut Localnet, wallet: &Wallet) -> u64 {
    net.trader(&wallet.owner.pubkey(), wallet.sub_account_id).await.unwrap().expect("trader").collateral
}

/// Tries to create a market: the system program allocates `size` bytes (by default the size the
/// layout needs; capacities the program refuses fall back to a small valid size) and
/// `create_market` initializes them, signed by `signer`.
async fn try_create_market(
    net: &mut Localnet,
    signer: &Keypair,
    layout: MarketLayout,
    config: MarketConfig,
    size: Option<usize>,
) -> (Pubkey, Result<(), BanksClientError>) {
    let market_key = Keypair::new();
    let size = size.unwrap_or_else(|| {
        market_account_size(layout.order_capacity.clamp(1, 64), layout.seat_capacity.clamp(1, 16)).unwrap()
    });
    let rent = net.ctx.banks_client.get_rent().await.unwrap().minimum_balance(size);
    let payer = net.ctx.payer.pubkey();
    let mut ixs = instructions::create_market(&signer.pubkey(), &payer, &market_key.pubkey(), layout, config, rent);
    ixs[0] = solana_system_interface::instruction::create_account(
        &payer,
        &market_key.pubkey(),
        rent,
        size as u64,
        &perp::ID,
    );
    let result = net.send(&ixs, &[signer, &market_key]).await;
    (market_key.pubkey(), result)
}

// ----------------------------------------------------------------------------------------------
// create_market / update_market
// ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_market_range_checks_each_have_their_error() {
    let mut net = localnet().await;
    let admin = net.admin.insecure_clone();
    let oracle = Pubkey::new_unique();
    let base = || default_config(oracle);
    let layout = || default_layout("CHK-PERP");
    let band =
        |initial_ppm, maintenance_ppm| vec![BracketParams { max_notional: u64::MAX, initial_ppm, maintenance_ppm }];

    // (what, layout, config, account size, error)
    type Case = (&'static str, MarketLayout, MarketConfig, Option<usize>, PerpError);
    let right_size = market_account_size(64, 16).unwrap();
    let cases: Vec<Case> = vec![
        // Fill band: positive and at most the lowest bracket's initial - maintenance (10% - 5%).
        (
            "fill band 5% + 1 ppm",
            layout(),
            MarketConfig { fill_band_ppm: 50_001, ..base() },
            None,
            PerpError::InvalidFillBand,
        ),
        ("fill band 0", layout(), MarketConfig { fill_band_ppm: 0, ..base() }, None, PerpError::InvalidFillBand),
        // Issue #19 item 4, fees left out of the fill band: a maker filled at the band's edge
        // paid its fee below maintenance. Band + taker fee must fit the gap: 4.95% + 0.05% does,
        // 4.9501% + 0.05% does not.
        (
            "fill band + taker fee over the margin gap",
            layout(),
            MarketConfig { fill_band_ppm: 49_501, taker_fee_ppm: 500, ..base() },
            None,
            PerpError::InvalidFillBand,
        ),
        (
            "fill band over a tighter lowest bracket",
            layout(),
            MarketConfig { brackets: band(100_000, 80_000), fill_band_ppm: 20_001, ..base() },
            None,
            PerpError::InvalidFillBand,
        ),
        // Price band: (0, 100%).
        ("price band 0", layout(), MarketConfig { price_band_ppm: 0, ..base() }, None, PerpError::InvalidPriceBand),
        (
            "price band 100%",
            layout(),
            MarketConfig { price_band_ppm: 1_000_000, ..base() },
            None,
            PerpError::InvalidPriceBand,
        ),
        (
            "price band over 100%",
            layout(),
            MarketConfig { price_band_ppm: 2_000_000, ..base() },
            None,
            PerpError::InvalidPriceBand,
        ),
        // Fees: at most the program's cap (1%), maker at most taker.
        (
            "taker fee over the cap",
            layout(),
            MarketConfig { taker_fee_ppm: 10_001, ..base() },
            None,
            PerpError::FeeTooHigh,
        ),
        (
            "maker fee over the cap",
            layout(),
            MarketConfig { taker_fee_ppm: 10_000, maker_fee_ppm: 10_001, ..base() },
            None,
            PerpError::FeeTooHigh,
        ),
        (
            "maker fee above taker",
            layout(),
            MarketConfig { maker_fee_ppm: 501, ..base() },
            None,
            PerpError::MakerFeeAboveTaker,
        ),
        (
            "fee insurance share over 100%",
            layout(),
            MarketConfig { fee_insurance_share_ppm: 1_000_001, ..base() },
            None,
            PerpError::ShareTooHigh,
        ),
        // Liquidation penalty: positive and below the lowest maintenance ratio (5%).
        (
            "penalty = lowest maintenance",
            layout(),
            MarketConfig { liquidation_penalty_ppm: 50_000, ..base() },
            None,
            PerpError::PenaltyNotBelowMaintenance,
        ),
        (
            "penalty 0",
            layout(),
            MarketConfig { liquidation_penalty_ppm: 0, ..base() },
            None,
            PerpError::PenaltyNotBelowMaintenance,
        ),
        // Funding interval: 60 s to 8 h, dividing a day.
        (
            "interval not dividing a day",
            layout(),
            MarketConfig { funding_interval_secs: 7_000, ..base() },
            None,
            PerpError::InvalidFundingParams,
        ),
        (
            "interval below 60 s",
            layout(),
            MarketConfig { funding_interval_secs: 30, ..base() },
            None,
            PerpError::InvalidFundingParams,
        ),
        (
            "interval over 8 h",
            layout(),
            MarketConfig { funding_interval_secs: 43_200, ..base() },
            None,
            PerpError::InvalidFundingParams,
        ),
        ("funding cap 0", layout(), MarketConfig { funding_cap: 0, ..base() }, None, PerpError::InvalidFundingParams),
        // Limits: all positive.
        (
            "min order notional 0",
            layout(),
            MarketConfig { min_order_notional: 0, ..base() },
            None,
            PerpError::InvalidMarketLimits,
        ),
        (
            "open-interest cap 0",
            layout(),
            MarketConfig { max_open_interest_lots: 0, ..base() },
            None,
            PerpError::InvalidMarketLimits,
        ),
        ("seat deposit 0", layout(), MarketConfig { seat_deposit: 0, ..base() }, None, PerpError::InvalidMarketLimits),
        // Oracle guards.
        (
            "oracle max age 0",
            layout(),
            MarketConfig { oracle_max_age_secs: 0, ..base() },
            None,
            PerpError::InvalidOracleConfig,
        ),
        (
            "oracle confidence over 100%",
            layout(),
            MarketConfig { oracle_max_conf_ppm: 1_000_001, ..base() },
            None,
            PerpError::InvalidOracleConfig,
        ),
        // Brackets.
        ("no brackets", layout(), MarketConfig { brackets: vec![], ..base() }, None, PerpError::InvalidMarginBrackets),
        (
            "initial under 1% (over 100x)",
            layout(),
            MarketConfig { brackets: band(9_999, 5_000), ..base() },
            None,
            PerpError::InitialMarginOutOfRange,
        ),
        (
            "maintenance = initial",
            layout(),
            MarketConfig { brackets: band(100_000, 100_000), ..base() },
            None,
            PerpError::MaintenanceNotBelowInitial,
        ),
        // Layout: tick and lot.
        ("tick 0", MarketLayout { tick_size: 0, ..layout() }, base(), None, PerpError::InvalidTickOrLot),
        ("lot 0", MarketLayout { lot_size: 0, ..layout() }, base(), None, PerpError::InvalidTickOrLot),
        (
            "one lot at one tick below one token unit",
            MarketLayout { tick_size: 1, lot_size: 1, ..layout() },
            base(),
            None,
            PerpError::InvalidTickOrLot,
        ),
        // Layout: capacities.
        ("order capacity 0", MarketLayout { order_capacity: 0, ..layout() }, base(), None, PerpError::InvalidCapacity),
        ("seat capacity 0", MarketLayout { seat_capacity: 0, ..layout() }, base(), None, PerpError::InvalidCapacity),
        (
            "order capacity over 4,096",
            MarketLayout { order_capacity: 4_097, ..layout() },
            base(),
            None,
            PerpError::InvalidCapacity,
        ),
        (
            "seat capacity over 16,384",
            MarketLayout { seat_capacity: 16_385, ..layout() },
            base(),
            None,
            PerpError::InvalidCapacity,
        ),
        ("empty symbol", MarketLayout { symbol: [0; 16], ..layout() }, base(), None, PerpError::InvalidSymbol),
        // The account's size must match the layout exactly.
        ("account one seat too big", layout(), base(), Some(right_size + 264), PerpError::WrongMarketAccountSize),
        ("account 8 bytes too big", layout(), base(), Some(right_size + 8), PerpError::WrongMarketAccountSize),
        ("account one seat too small", layout(), base(), Some(right_size - 264), PerpError::WrongMarketAccountSize),
    ];
    let exchange_before = snapshot(&mut net, &[pda::exchange()]).await;
    for (what, layout, config, size, expected) in cases {
        let (market, result) = try_create_market(&mut net, &admin, layout, config, size).await;
        let code = custom_code(&result);
        assert_eq!(code, Some(u32::from(expected)), "{what}: expected {expected:?}, got {result:?}");
        assert!(net.ctx.banks_client.get_account(market).await.unwrap().is_none(), "{what}: no market account left");
    }

    // Only the admin creates markets.
    let mallory = net.funded_keypair().await.unwrap();
    let (market, result) = try_create_market(&mut net, &mallory, layout(), base(), None).await;
    assert_perp_error(result, PerpError::NotAdmin);
    assert!(net.ctx.banks_client.get_account(market).await.unwrap().is_none());
    assert_eq!(snapshot(&mut net, &[pda::exchange()]).await, exchange_before);

    // The control: the same helper with the valid parameters creates the market, and the
    // boundary values themselves are accepted (fill band + taker fee = initial - maintenance,
    // price band just under 100%, fees at the cap, maker = taker, penalty just under
    // maintenance, a 60 s interval).
    let edge = MarketConfig {
        fill_band_ppm: 40_000,
        price_band_ppm: 999_999,
        taker_fee_ppm: 10_000,
        maker_fee_ppm: 10_000,
        liquidation_penalty_ppm: 49_999,
        funding_interval_secs: 60,
        ..base()
    };
    let (market, result) = try_create_market(&mut net, &admin, layout(), edge, None).await;
    result.expect("the boundary values are valid");
    let h = header(&mut net, &market).await;
    assert_eq!((h.fill_band_ppm, h.price_band_ppm, h.funding_interval_secs), (40_000, 999_999, 60));
    // An initialized market cannot be initialized again (Anchor's `zero` constraint).
    let again = instructions::create_market(&admin.pubkey(), &net.ctx.payer.pubkey(), &market, layout(), base(), 0);
    assert_anchor_error(net.send(&again[1..], &[&admin]).await, anchor_lang::error::ErrorCode::ConstraintZero);
    assert_eq!(header(&mut net, &market).await.fill_band_ppm, 40_000);
}

#[tokio::test]
async fn update_market_is_admin_only_and_range_checked() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let mallory = net.funded_keypair().await.unwrap();
    let before = snapshot(&mut net, &[btc.address, pda::exchange()]).await;

    let takeover = MarketConfig { taker_fee_ppm: 10_000, maker_fee_ppm: 10_000, ..default_config(btc.oracle) };
    let ix = instructions::update_market(&mallory.pubkey(), &btc.address, takeover, MarketStatus::Active);
    assert_perp_error(net.send(&[ix], &[&mallory]).await, PerpError::NotAdmin);
    let ix = instructions::update_market(
        &mallory.pubkey(),
        &btc.address,
        default_config(btc.oracle),
        MarketStatus::ReduceOnly,
    );
    assert_perp_error(net.send(&[ix], &[&mallory]).await, PerpError::NotAdmin);

    // The admin's update goes through the same range checks as creation.
    let admin = net.admin.insecure_clone();
    let bad = MarketConfig { fill_band_ppm: 60_000, ..default_config(btc.oracle) };
    let ix = instructions::update_market(&admin.pubkey(), &btc.address, bad, MarketStatus::Active);
    assert_perp_error(net.send(&[ix], &[&admin]).await, PerpError::InvalidFillBand);
    let bad = MarketConfig { seat_deposit: 0, ..default_config(btc.oracle) };
    let ix = instructions::update_market(&admin.pubkey(), &btc.address, bad, MarketStatus::Active);
    assert_perp_error(net.send(&[ix], &[&admin]).await, PerpError::InvalidMarketLimits);
    assert_eq!(snapshot(&mut net, &[btc.address, pda::exchange()]).await, before);
}

#[tokio::test]
async fn a_reduce_only_market_takes_only_reduce_only_orders() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let maker = funded_trader(&mut net, 10_000).await;
    let long = funded_trader(&mut net, 1_000).await;
    let newcomer = funded_trader(&mut net, 1_000).await;
    order(&mut net, &maker, &btc, limit(Sell, 1_000, 10, 1)).await.unwrap();
    order(&mut net, &maker, &btc, limit(Buy, 999, 10, 2)).await.unwrap();
    order(&mut net, &long, &btc, ioc(Buy, 1_000, 10, 3)).await.unwrap();
    assert_eq!(seat(&mut net, &btc.address, &long).await.unwrap().base_lots, 10);

    let admin = net.admin.insecure_clone();
    let ix = instructions::update_market(
        &admin.pubkey(),
        &btc.address,
        default_config(btc.oracle),
        MarketStatus::ReduceOnly,
    );
    net.send(&[ix], &[&admin]).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.status, MarketStatus::ReduceOnly as u8);

    let all = [&maker, &long, &newcomer];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    // Neither a trader with a position nor a newcomer may add risk, resting or taking.
    let r = order(&mut net, &long, &btc, limit(Buy, 990, 10, 4)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::MarketReduceOnly).await;
    let r = order(&mut net, &long, &btc, ioc(Sell, 999, 5, 5)).await; // reduces, but not flagged reduce-only
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::MarketReduceOnly).await;
    let r = order(&mut net, &newcomer, &btc, limit(Sell, 1_010, 10, 6)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::MarketReduceOnly).await;

    // A reduce-only order closes the long against the maker's resting bid.
    let out = order_logs(&mut net, &long, &btc, reduce_ioc(Sell, 999, 10, 7)).await;
    let fills = events::decode::<OrderFilled>(&out.logs);
    assert_eq!((fills.len(), fills[0].base_lots, fills[0].price), (1, 10, 999 * PRICE));
    assert!(seat(&mut net, &btc.address, &long).await.is_none(), "flat, orderless and settled: seat released");
    assert_eq!(header(&mut net, &btc.address).await.open_interest_lots, 0);
    assert_money_rules(&mut net).await;
}

// ----------------------------------------------------------------------------------------------
// Pause, margin, maintenance
// ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn paused_trading_rejects_new_risk_but_not_reduce_only_orders() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let maker = funded_trader(&mut net, 10_000).await;
    let long = funded_trader(&mut net, 1_000).await;
    let newcomer = funded_trader(&mut net, 1_000).await;
    order(&mut net, &maker, &btc, limit(Sell, 1_000, 10, 1)).await.unwrap();
    order(&mut net, &maker, &btc, limit(Buy, 999, 10, 2)).await.unwrap();
    order(&mut net, &long, &btc, ioc(Buy, 1_000, 10, 3)).await.unwrap();

    let admin = net.admin.insecure_clone();
    net.send(&[instructions::set_pause_flags(&admin.pubkey(), PAUSE_TRADING)], &[&admin]).await.unwrap();

    let all = [&maker, &long, &newcomer];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &long, &btc, limit(Buy, 995, 10, 4)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::TradingPaused).await;
    let r = order(&mut net, &newcomer, &btc, limit(Sell, 1_005, 10, 5)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::TradingPaused).await;
    let r = order(&mut net, &maker, &btc, limit(Sell, 1_001, 10, 6)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::TradingPaused).await;

    // Reduce-only still works: the long sells half of its position into the maker's bid.
    order(&mut net, &long, &btc, reduce_ioc(Sell, 999, 5, 7)).await.unwrap();
    assert_eq!(seat(&mut net, &btc.address, &long).await.unwrap().base_lots, 5);
    // Cancelling is not trading either.
    net.send(&[instructions::cancel_order(&maker.owner.pubkey(), 0, &btc.address, 2)], &[&maker.owner]).await.unwrap();
    assert_money_rules(&mut net).await;

    // Unpaused, new risk is back.
    net.send(&[instructions::set_pause_flags(&admin.pubkey(), 0)], &[&admin]).await.unwrap();
    order(&mut net, &newcomer, &btc, limit(Sell, 1_005, 10, 8)).await.unwrap();
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn an_order_needs_initial_margin_to_the_unit() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    // 100 quote: 99 of collateral once the 1-quote seat deposit is paid, plus the deposit itself.
    let alice = funded_trader(&mut net, 100).await;
    let addresses = watched(&[&alice], &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;

    // 1,001 lots at 1,000 is 1,001 quote of notional: 10% is 100.1 > 100.
    let r = order(&mut net, &alice, &btc, limit(Buy, 1_000, 1_001, 1)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::InsufficientMargin).await;
    // Far too large, on the ask side.
    let r = order(&mut net, &alice, &btc, limit(Sell, 1_000, 50_000, 2)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::InsufficientMargin).await;
    // A bid above the oracle also reserves what it would lose at once: 1,000 lots at 1,001 need
    // 100 of initial margin at the oracle plus the 1 quote they would lose at once.
    let r = order(&mut net, &alice, &btc, limit(Buy, 1_001, 1_000, 3)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::InsufficientMargin).await;
    assert_eq!(collateral(&mut net, &alice).await, 100 * QUOTE);

    // Exactly at initial margin is enough.
    order(&mut net, &alice, &btc, limit(Buy, 1_000, 1_000, 4)).await.unwrap();
    let r = risk(&mut net, &alice).await;
    assert_eq!((r.initial, r.margin_equity), (100 * QUOTE, 100 * QUOTE as i64));
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn below_maintenance_an_account_may_only_cancel_and_deposit() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let maker = funded_trader(&mut net, 100_000).await;
    let alice = funded_trader(&mut net, 100).await;
    order(&mut net, &maker, &btc, limit(Sell, 1_000, 800, 1)).await.unwrap();
    order(&mut net, &alice, &btc, ioc(Buy, 1_000, 800, 2)).await.unwrap();
    order(&mut net, &alice, &btc, limit(Buy, 990, 10, 3)).await.unwrap();

    // 1,000 -> 880: 800 lots lose 96; equity 100 - 0.40 fee - 96 = 3.60 < 5% of 704 = 35.20.
    move_price(&mut net, &btc, 880).await;
    let r = risk(&mut net, &alice).await;
    assert_eq!((r.equity, r.maintenance), (3_600_000, 35_200_000));

    let all = [&maker, &alice];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &alice, &btc, limit(Buy, 880, 10, 4)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::BelowMaintenance).await;
    // Not even an order that would reduce: the account waits for liquidation.
    let r = order(&mut net, &alice, &btc, reduce_ioc(Sell, 880, 100, 5)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::BelowMaintenance).await;
    // Nothing is withdrawable either.
    let r = withdraw(&mut net, &alice, 1).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::InsufficientCollateral).await;

    // Cancelling works and releases the bid's reservation.
    net.send(&[instructions::cancel_order(&alice.owner.pubkey(), 0, &btc.address, 3)], &[&alice.owner]).await.unwrap();
    let s = seat(&mut net, &btc.address, &alice).await.unwrap();
    assert_eq!((s.order_count, s.open_bid_lots, s.open_bid_notional, s.base_lots), (0, 0, 0, 800));
    // Depositing works (still below maintenance after it, so orders stay refused).
    let before_deposit = collateral(&mut net, &alice).await;
    net.mint_to(&alice.token_account, 10 * QUOTE).await.unwrap();
    deposit(&mut net, &alice, 10 * QUOTE).await.unwrap();
    assert_eq!(collateral(&mut net, &alice).await, before_deposit + 10 * QUOTE);
    assert_eq!(risk(&mut net, &alice).await.equity, 13_600_000);
    assert_perp_error(order(&mut net, &alice, &btc, limit(Buy, 880, 10, 6)).await, PerpError::BelowMaintenance);
    assert_money_rules(&mut net).await;
}

// ----------------------------------------------------------------------------------------------
// Seats, open orders, book sides, open interest
// ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_full_seat_table_refuses_newcomers_until_a_seat_is_released() {
    let mut net = localnet().await;
    let layout = MarketLayout { seat_capacity: 2, ..default_layout("BTC-PERP") };
    let btc = create_market(&mut net, layout, default_config, 1_000).await;
    let alice = funded_trader(&mut net, 100).await;
    let bob = funded_trader(&mut net, 100).await;
    let carol = funded_trader(&mut net, 100).await;
    order(&mut net, &alice, &btc, limit(Buy, 990, 10, 1)).await.unwrap();
    order(&mut net, &bob, &btc, limit(Sell, 1_010, 10, 2)).await.unwrap();
    let h = header(&mut net, &btc.address).await;
    assert_eq!((h.seat_count, h.sum_seat_deposits), (2, 2 * QUOTE));

    let all = [&alice, &bob, &carol];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &carol, &btc, limit(Buy, 995, 10, 3)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::SeatTableFull).await;
    let r = order(&mut net, &carol, &btc, ioc(Buy, 1_010, 10, 4)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::SeatTableFull).await;
    assert_eq!(collateral(&mut net, &carol).await, 100 * QUOTE, "no seat, no deposit paid");

    // Alice cancels her only order: flat, orderless and settled, so her seat goes and its
    // deposit comes back.
    let alice_seat = market_data(&mut net, &btc.address).await.seat_of(&alice.trader()).unwrap().unwrap().0;
    let ix = instructions::cancel_all_orders(&alice.owner.pubkey(), 0, &btc.address);
    let out = Chain::send(&mut net, &[ix], &[&alice.owner]).await.unwrap();
    let released = events::decode::<SeatReleased>(&out.logs);
    assert_eq!(released.len(), 1);
    assert_eq!((released[0].trader, released[0].seat, released[0].deposit), (alice.trader(), alice_seat, QUOTE));
    assert!(seat(&mut net, &btc.address, &alice).await.is_none());
    assert_eq!(collateral(&mut net, &alice).await, 100 * QUOTE);
    let t = net.trader(&alice.owner.pubkey(), 0).await.unwrap().unwrap();
    assert_eq!(t.active_markets().count(), 0);
    assert_eq!(header(&mut net, &btc.address).await.seat_count, 1);
    assert_money_rules(&mut net).await;

    // Carol now gets the released seat.
    let out = order_logs(&mut net, &carol, &btc, limit(Buy, 995, 10, 5)).await;
    let claimed = events::decode::<SeatClaimed>(&out.logs);
    assert_eq!((claimed[0].trader, claimed[0].seat, claimed[0].deposit), (carol.trader(), alice_seat, QUOTE));
    // ... and the table is full again for Alice.
    assert_perp_error(order(&mut net, &alice, &btc, limit(Buy, 990, 10, 6)).await, PerpError::SeatTableFull);
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn a_trader_rests_at_most_32_orders_in_a_market() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let alice = funded_trader(&mut net, 1_000).await;
    let maker = funded_trader(&mut net, 1_000).await;
    for i in 0..32u64 {
        order(&mut net, &alice, &btc, limit(Buy, 999 - i, 2, i)).await.unwrap();
    }
    assert_eq!(seat(&mut net, &btc.address, &alice).await.unwrap().order_count, 32);
    order(&mut net, &maker, &btc, limit(Sell, 1_000, 2, 100)).await.unwrap();

    let all = [&alice, &maker];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &alice, &btc, limit(Buy, 950, 2, 32)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::TooManyOpenOrders).await;
    let r = order(&mut net, &alice, &btc, limit(Sell, 1_050, 2, 33)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::TooManyOpenOrders).await;
    // A limit order that would fill part and rest the rest cannot rest it either (all reverts).
    let r = order(&mut net, &alice, &btc, limit(Buy, 1_000, 4, 34)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::TooManyOpenOrders).await;

    // An order that rests nothing is fine at 32.
    order(&mut net, &alice, &btc, ioc(Buy, 1_000, 2, 35)).await.unwrap();
    assert_eq!(seat(&mut net, &btc.address, &alice).await.unwrap().base_lots, 2);
    // So is resting again once one is cancelled.
    net.send(&[instructions::cancel_order(&alice.owner.pubkey(), 0, &btc.address, 0)], &[&alice.owner]).await.unwrap();
    order(&mut net, &alice, &btc, limit(Buy, 950, 2, 36)).await.unwrap();
    assert_eq!(seat(&mut net, &btc.address, &alice).await.unwrap().order_count, 32);
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn a_full_book_side_takes_only_a_better_price_which_evicts_the_worst() {
    let mut net = localnet().await;
    let layout = MarketLayout { order_capacity: 4, ..default_layout("BTC-PERP") };
    let btc = create_market(&mut net, layout, default_config, 1_000).await;
    let worst = funded_trader(&mut net, 1_000).await;
    let others = funded_trader(&mut net, 1_000).await;
    let newcomer = funded_trader(&mut net, 1_000).await;
    order(&mut net, &worst, &btc, limit(Buy, 995, 2, 1)).await.unwrap();
    for (i, price) in [996, 997, 998].into_iter().enumerate() {
        order(&mut net, &others, &btc, limit(Buy, price, 2, 10 + i as u64)).await.unwrap();
    }
    // The ask side is independent: one ask rests there.
    order(&mut net, &others, &btc, limit(Sell, 1_005, 2, 20)).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.bids.count, 4);
    assert!(risk(&mut net, &worst).await.initial > 0);

    let all = [&worst, &others, &newcomer];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    // Equal to the worst price does not beat it; worse certainly not.
    let r = order(&mut net, &newcomer, &btc, limit(Buy, 995, 2, 30)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::BookSideFull).await;
    let r = order(&mut net, &newcomer, &btc, limit(Buy, 990, 2, 31)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::BookSideFull).await;
    let r = order(&mut net, &others, &btc, limit(Buy, 994, 2, 32)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::BookSideFull).await;

    // A better bid evicts the worst one, and says so.
    let out = order_logs(&mut net, &newcomer, &btc, limit(Buy, 999, 2, 33)).await;
    let cancels = events::decode::<OrderCancelled>(&out.logs);
    assert_eq!(cancels.len(), 1);
    let c = &cancels[0];
    assert_eq!(
        (c.trader, c.client_order_id, c.price, c.base_lots, c.reason),
        (worst.trader(), 1, 995 * PRICE, 2, CancelReason::Evicted)
    );
    assert!(events::decode::<OrderFilled>(&out.logs).is_empty());
    // The evicted owner's reservation is released at once.
    let s = seat(&mut net, &btc.address, &worst).await.unwrap();
    assert_eq!((s.order_count, s.open_bid_lots, s.open_bid_notional), (0, 0, 0));
    assert_eq!(risk(&mut net, &worst).await.initial, 0);
    let h = header(&mut net, &btc.address).await;
    assert_eq!((h.bids.count, h.asks.count), (4, 1));
    assert_eq!(seat(&mut net, &btc.address, &newcomer).await.unwrap().open_bid_lots, 2);
    assert_money_rules(&mut net).await;

    // The evicted trader's next touch (here the permissionless settle) releases its now empty
    // seat and returns its deposit.
    let ix = instructions::settle_funding(&worst.trader(), &[btc.address]);
    let out = Chain::send(&mut net, &[ix], &[]).await.unwrap();
    let released = events::decode::<SeatReleased>(&out.logs);
    assert_eq!((released.len(), released[0].trader, released[0].deposit), (1, worst.trader(), QUOTE));
    assert!(seat(&mut net, &btc.address, &worst).await.is_none());
    assert_eq!(collateral(&mut net, &worst).await, 1_000 * QUOTE);
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn the_open_interest_cap_stops_orders_that_raise_it() {
    let mut net = localnet().await;
    let config = |oracle| MarketConfig { max_open_interest_lots: 100, ..default_config(oracle) };
    let btc = create_market(&mut net, default_layout("BTC-PERP"), config, 1_000).await;
    let maker = funded_trader(&mut net, 10_000).await;
    let a = funded_trader(&mut net, 1_000).await;
    let b = funded_trader(&mut net, 1_000).await;
    order(&mut net, &maker, &btc, limit(Sell, 1_000, 150, 1)).await.unwrap();
    order(&mut net, &maker, &btc, limit(Buy, 999, 20, 2)).await.unwrap();

    let all = [&maker, &a, &b];
    let addresses = watched(&all, &[btc.address]);
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &a, &btc, ioc(Buy, 1_000, 101, 3)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::OpenInterestCap).await;

    order(&mut net, &a, &btc, ioc(Buy, 1_000, 100, 4)).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.open_interest_lots, 100);
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &b, &btc, ioc(Buy, 1_000, 1, 5)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::OpenInterestCap).await;
    // A limit order that crosses is refused as well, even though part of it would rest.
    let r = order(&mut net, &b, &btc, limit(Buy, 1_000, 10, 6)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::OpenInterestCap).await;
    // Resting orders add no open interest.
    order(&mut net, &b, &btc, limit(Buy, 990, 10, 7)).await.unwrap();

    // Reducing is always fine; after it, there is room again, up to the cap.
    order(&mut net, &a, &btc, ioc(Sell, 999, 10, 8)).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.open_interest_lots, 90);
    order(&mut net, &b, &btc, ioc(Buy, 1_000, 10, 9)).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.open_interest_lots, 100);
    assert_perp_error(order(&mut net, &b, &btc, ioc(Buy, 1_000, 1, 10)).await, PerpError::OpenInterestCap);
    assert_money_rules(&mut net).await;
}

// ----------------------------------------------------------------------------------------------
// Margin sets
// ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn margin_sets_must_list_the_traders_markets_once_in_order() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let eth = create_market(&mut net, default_layout("ETH-PERP"), default_config, 2_000).await;
    let sol = create_market(&mut net, default_layout("SOL-PERP"), default_config, 100).await;
    let trader = funded_trader(&mut net, 1_000).await;
    let other = funded_trader(&mut net, 1_000).await;
    order(&mut net, &trader, &btc, limit(Buy, 990, 10, 1)).await.unwrap();
    order(&mut net, &trader, &eth, limit(Buy, 1_990, 10, 2)).await.unwrap();
    order(&mut net, &other, &sol, limit(Buy, 99, 20, 3)).await.unwrap(); // sol is live, but not the trader's
    let right = margin_set(&mut net, &trader, None).await;
    assert_eq!(right, vec![(btc.address, btc.oracle), (eth.address, eth.oracle)]);

    let (b, e, s) = ((btc.address, btc.oracle), (eth.address, eth.oracle), (sol.address, sol.oracle));
    let all = [&trader, &other];
    let addresses = watched(&all, &[btc.address, eth.address, sol.address]);
    let before = snapshot(&mut net, &addresses).await;
    let owner = trader.owner.insecure_clone();
    let withdraw_with = |set: &[(Pubkey, Pubkey)]| {
        instructions::with_margin_set(instructions::withdraw(&owner.pubkey(), 0, &trader.token_account, QUOTE), set)
    };
    let cases: Vec<(&str, Instruction, PerpError)> = vec![
        ("withdraw, no markets", withdraw_with(&[]), PerpError::MissingMarginAccounts),
        ("withdraw, eth missing", withdraw_with(&[b]), PerpError::MissingMarginAccounts),
        ("withdraw, btc twice", withdraw_with(&[b, b]), PerpError::DuplicateMarginAccount),
        ("withdraw, sol for eth", withdraw_with(&[b, s]), PerpError::ForeignMarket),
        ("withdraw, sol for btc", withdraw_with(&[s, e]), PerpError::ForeignMarket),
        ("withdraw, out of order", withdraw_with(&[e, b]), PerpError::ForeignMarket),
        ("withdraw, one too many", withdraw_with(&[b, e, s]), PerpError::ForeignMarket),
        ("withdraw, eth's oracle for btc", withdraw_with(&[(btc.address, eth.oracle), e]), PerpError::ForeignOracle),
        (
            "order in btc, no margin set",
            instructions::place_order(&owner.pubkey(), 0, &btc.address, &btc.oracle, limit(Buy, 990, 10, 4), &[]),
            PerpError::MissingMarginAccounts,
        ),
        (
            "order in btc, btc again",
            instructions::place_order(&owner.pubkey(), 0, &btc.address, &btc.oracle, limit(Buy, 990, 10, 4), &[b]),
            PerpError::DuplicateMarginAccount,
        ),
        (
            "order in btc, eth twice",
            instructions::place_order(&owner.pubkey(), 0, &btc.address, &btc.oracle, limit(Buy, 990, 10, 4), &[e, e]),
            PerpError::DuplicateMarginAccount,
        ),
        (
            "order in btc, sol for eth",
            instructions::place_order(&owner.pubkey(), 0, &btc.address, &btc.oracle, limit(Buy, 990, 10, 4), &[s]),
            PerpError::ForeignMarket,
        ),
        (
            "order in sol (new market), btc missing",
            instructions::place_order(&owner.pubkey(), 0, &sol.address, &sol.oracle, limit(Buy, 99, 20, 4), &[e]),
            PerpError::ForeignMarket,
        ),
        (
            "order in sol (new market), eth missing",
            instructions::place_order(&owner.pubkey(), 0, &sol.address, &sol.oracle, limit(Buy, 99, 20, 4), &[b]),
            PerpError::MissingMarginAccounts,
        ),
    ];
    for (what, ix, expected) in cases {
        let result = net.send(&[ix], &[&owner]).await;
        assert_eq!(custom_code(&result), Some(u32::from(expected)), "{what}: expected {expected:?}, got {result:?}");
        assert_eq!(snapshot(&mut net, &addresses).await, before, "{what}: changed an account");
    }
    // Deposits take the markets without oracles; the same rules apply.
    net.mint_to(&trader.token_account, QUOTE).await.unwrap();
    let before = snapshot(&mut net, &addresses).await;
    for (what, markets, expected) in [
        ("deposit, no markets", vec![], PerpError::MissingMarginAccounts),
        ("deposit, eth missing", vec![btc.address], PerpError::MissingMarginAccounts),
        ("deposit, btc twice", vec![btc.address, btc.address], PerpError::DuplicateMarginAccount),
        ("deposit, sol for eth", vec![btc.address, sol.address], PerpError::ForeignMarket),
    ] {
        let ix = instructions::with_markets(
            instructions::deposit(&owner.pubkey(), 0, &trader.token_account, QUOTE),
            &markets,
        );
        let result = net.send(&[ix], &[&owner]).await;
        assert_eq!(custom_code(&result), Some(u32::from(expected)), "{what}: expected {expected:?}, got {result:?}");
        assert_eq!(snapshot(&mut net, &addresses).await, before, "{what}: changed an account");
    }

    // The right sets go through.
    net.send(&[withdraw_with(&right)], &[&owner]).await.unwrap();
    let ix = instructions::place_order(&owner.pubkey(), 0, &btc.address, &btc.oracle, limit(Buy, 990, 10, 5), &[e]);
    net.send(&[ix], &[&owner]).await.unwrap();
    deposit(&mut net, &trader, QUOTE).await.unwrap();
    assert_money_rules(&mut net).await;
}

// ----------------------------------------------------------------------------------------------
// Oracles
// ----------------------------------------------------------------------------------------------

async fn push_oracle(net: &mut Localnet, market: &TestMarket) -> PushOracle {
    net.program_account::<PushOracle>(&market.oracle).await.unwrap().expect("push oracle")
}

#[tokio::test]
async fn a_stale_oracle_stops_orders_withdrawals_and_refreshes() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let alice = funded_trader(&mut net, 1_000).await;
    order(&mut net, &alice, &btc, limit(Buy, 990, 10, 1)).await.unwrap();
    let published = push_oracle(&mut net, &btc).await.publish_time;
    let max_age = i64::from(header(&mut net, &btc.address).await.oracle_max_age_secs);
    assert_eq!(max_age, 60);

    let addresses = watched(&[&alice], &[btc.address, btc.oracle]);
    net.set_unix_time(published + max_age + 1).await.unwrap();
    let before = snapshot(&mut net, &addresses).await;
    let r = order(&mut net, &alice, &btc, limit(Buy, 991, 10, 2)).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::StaleOracle).await;
    let r = withdraw(&mut net, &alice, QUOTE).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::StaleOracle).await;
    let r = refresh(&mut net, &btc.address, &btc.oracle, 1).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::StaleOracle).await;
    let r = net.send(&[instructions::update_funding(&btc.address, &btc.oracle)], &[]).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::StaleOracle).await;
    // Cancels do not price anything: they work on a stale oracle.
    net.send(&[instructions::cancel_order(&alice.owner.pubkey(), 0, &btc.address, 1)], &[&alice.owner]).await.unwrap();

    // At exactly the maximum age the price is still good.
    net.set_unix_time(published + max_age).await.unwrap();
    refresh(&mut net, &btc.address, &btc.oracle, 2).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.oracle_publish_time, published);
    order(&mut net, &alice, &btc, limit(Buy, 991, 10, 3)).await.unwrap();
    // A fresh price makes it all work again later.
    net.set_unix_time(published + 10 * max_age).await.unwrap();
    assert_perp_error(order(&mut net, &alice, &btc, limit(Buy, 992, 10, 4)).await, PerpError::StaleOracle);
    move_price(&mut net, &btc, 1_000).await;
    order(&mut net, &alice, &btc, limit(Buy, 992, 10, 5)).await.unwrap();
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn a_market_reads_only_its_own_oracle() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let eth = create_market(&mut net, default_layout("ETH-PERP"), default_config, 1_000).await;
    let alice = funded_trader(&mut net, 1_000).await;
    let addresses = watched(&[&alice], &[btc.address, eth.address, btc.oracle, eth.oracle]);
    let before = snapshot(&mut net, &addresses).await;

    // ETH's push oracle (same program, same price) in BTC's place.
    let r = net.send(&[instructions::refresh_oracle(&btc.address, &eth.oracle)], &[]).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::ForeignOracle).await;
    let ix =
        instructions::place_order(&alice.owner.pubkey(), 0, &btc.address, &eth.oracle, limit(Buy, 990, 10, 1), &[]);
    let r = net.send(&[ix], &[&alice.owner]).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::ForeignOracle).await;
    let r = net.send(&[instructions::update_funding(&btc.address, &eth.oracle)], &[]).await;
    assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::ForeignOracle).await;
    // An account that is no oracle at all (a trader account, a token account, nothing).
    for not_an_oracle in [alice.trader(), alice.token_account, Pubkey::new_unique()] {
        let r = net.send(&[instructions::refresh_oracle(&btc.address, &not_an_oracle)], &[]).await;
        assert_rejected_unchanged(&mut net, &addresses, &before, r, PerpError::ForeignOracle).await;
    }
    // The market's own oracle works.
    net.send(&[instructions::refresh_oracle(&btc.address, &btc.oracle)], &[]).await.unwrap();
    order(&mut net, &alice, &btc, limit(Buy, 990, 10, 1)).await.unwrap();
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn push_oracle_updates_need_a_positive_later_price_from_the_authority() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let last = push_oracle(&mut net, &btc).await;
    let now = last.publish_time + 5;
    net.set_unix_time(now).await.unwrap();
    let authority = btc.oracle_authority.insecure_clone();
    let before = snapshot(&mut net, &[btc.oracle, btc.address]).await;
    let update = |price: i64, publish_time: i64| {
        instructions::update_push_oracle(&authority.pubkey(), &btc.oracle, price, 0, publish_time)
    };

    let cases = [
        ("zero price", update(0, now), PerpError::NonPositiveOraclePrice),
        ("negative price", update(-1_000 * PRICE as i64, now), PerpError::NonPositiveOraclePrice),
        ("i64::MIN price", update(i64::MIN, now), PerpError::NonPositiveOraclePrice),
        (
            "same publish time",
            update(1_001 * PRICE as i64, last.publish_time),
            PerpError::OraclePublishTimeNotIncreasing,
        ),
        (
            "earlier publish time",
            update(1_001 * PRICE as i64, last.publish_time - 1),
            PerpError::OraclePublishTimeNotIncreasing,
        ),
        // Milliseconds by mistake, or a clock ahead: staleness would be off, later refreshes locked.
        ("an hour ahead of the clock", update(1_001 * PRICE as i64, now + 3_600), PerpError::OraclePublishTimeInFuture),
        ("milliseconds", update(1_001 * PRICE as i64, now * 1_000), PerpError::OraclePublishTimeInFuture),
        (
            "just past the allowed skew",
            update(1_001 * PRICE as i64, now + perp::state::MAX_ORACLE_CLOCK_SKEW_SECS + 1),
            PerpError::OraclePublishTimeInFuture,
        ),
    ];
    for (what, ix, expected) in cases {
        let result = net.send(&[ix], &[&authority]).await;
        assert_eq!(custom_code(&result), Some(u32::from(expected)), "{what}: expected {expected:?}, got {result:?}");
        assert_eq!(snapshot(&mut net, &[btc.oracle, btc.address]).await, before, "{what}");
    }
    // Someone else signing, even the exchange admin.
    let mallory = net.funded_keypair().await.unwrap();
    let admin = net.admin.insecure_clone();
    for signer in [&mallory, &admin] {
        let ix = instructions::update_push_oracle(&signer.pubkey(), &btc.oracle, 2_000 * PRICE as i64, 0, now);
        assert_perp_error(net.send(&[ix], &[signer]).await, PerpError::NotOracleAuthority);
    }
    assert_eq!(snapshot(&mut net, &[btc.oracle, btc.address]).await, before);

    // The authority, with a positive price and a later time.
    net.send(&[update(1_001 * PRICE as i64, now)], &[&authority]).await.unwrap();
    let o = push_oracle(&mut net, &btc).await;
    assert_eq!((o.price, o.publish_time), (1_001 * PRICE as i64, now));
    net.send(&[instructions::refresh_oracle(&btc.address, &btc.oracle)], &[]).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.oracle_price, 1_001 * PRICE);
}

#[tokio::test]
async fn a_wide_confidence_interval_is_refused() {
    let mut net = localnet().await;
    // 1% maximum confidence (the default 10,000 ppm).
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    assert_eq!(header(&mut net, &btc.address).await.oracle_max_conf_ppm, 10_000);
    push_price(&mut net, &btc, 1_000 * PRICE, 10 * PRICE + 1).await.unwrap();
    let before = snapshot(&mut net, &[btc.address]).await;
    let r = refresh(&mut net, &btc.address, &btc.oracle, 1).await;
    assert_rejected_unchanged(&mut net, &[btc.address], &before, r, PerpError::OracleConfidenceTooWide).await;
    // Orders price the market the same way.
    let alice = funded_trader(&mut net, 1_000).await;
    let r = order(&mut net, &alice, &btc, limit(Buy, 990, 10, 1)).await;
    assert_perp_error(r, PerpError::OracleConfidenceTooWide);
    // Exactly 1% is accepted.
    push_price(&mut net, &btc, 1_000 * PRICE, 10 * PRICE).await.unwrap();
    refresh(&mut net, &btc.address, &btc.oracle, 2).await.unwrap();
    order(&mut net, &alice, &btc, limit(Buy, 990, 10, 2)).await.unwrap();
}

// ----------------------------------------------------------------------------------------------
// The fill cap per taker order
// ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_taker_order_fills_at_most_the_cap_and_the_rest_follows_its_type() {
    const CAP: u64 = perp::engine::orders::MAX_FILLS_PER_ORDER as u64;
    const EXTRA: u64 = 6;
    let mut net = localnet().await;
    let layout = MarketLayout { order_capacity: 128, ..default_layout("BTC-PERP") };
    let btc = create_market(&mut net, layout, default_config, 1_000).await;
    // CAP + 6 one-lot asks at 1,000 (1 quote each): CAP from the first maker, 6 from the second.
    let makers = [funded_trader(&mut net, 1_000).await, funded_trader(&mut net, 1_000).await];
    let mut id = 0u64;
    for (m, count) in makers.iter().zip([CAP, EXTRA]) {
        for _ in 0..count {
            id += 1;
            order(&mut net, m, &btc, limit(Sell, 1_000, 1, id)).await.unwrap();
        }
    }
    assert_eq!(u64::from(header(&mut net, &btc.address).await.asks.count), CAP + EXTRA);
    let ioc_taker = funded_trader(&mut net, 1_000).await;
    let limit_taker = funded_trader(&mut net, 1_000).await;

    // IOC: CAP fills, the other 6 lots cancelled.
    let out = order_logs(&mut net, &ioc_taker, &btc, ioc(Buy, 1_000, CAP + EXTRA, 1_000)).await;
    let fills = events::decode::<OrderFilled>(&out.logs);
    assert_eq!(fills.len() as u64, CAP);
    assert!(fills.iter().all(|f| f.base_lots == 1 && f.price == 1_000 * PRICE));
    // Time priority: the first maker's orders.
    assert!(fills.iter().all(|f| f.maker == makers[0].trader()));
    let placed = &events::decode::<OrderPlaced>(&out.logs)[0];
    assert_eq!((placed.filled_lots, placed.rested_lots), (CAP, 0));
    let s = seat(&mut net, &btc.address, &ioc_taker).await.unwrap();
    assert_eq!((s.base_lots as u64, s.order_count, s.open_bid_lots), (CAP, 0, 0));
    assert_eq!(u64::from(header(&mut net, &btc.address).await.asks.count), EXTRA);

    // The first maker quotes CAP more.
    for _ in 0..CAP {
        id += 1;
        order(&mut net, &makers[0], &btc, limit(Sell, 1_000, 1, id)).await.unwrap();
    }
    // Limit: CAP fills (the second maker's 6 oldest first). The other 6 lots would still cross
    // the 6 asks left at 1,000: a resting order never crosses the book, so they are cancelled.
    let out = order_logs(&mut net, &limit_taker, &btc, limit(Buy, 1_000, CAP + EXTRA, 2_000)).await;
    let fills = events::decode::<OrderFilled>(&out.logs);
    assert_eq!(fills.len() as u64, CAP);
    assert!(fills[..EXTRA as usize].iter().all(|f| f.maker == makers[1].trader()), "the oldest asks first");
    let placed = &events::decode::<OrderPlaced>(&out.logs)[0];
    assert_eq!((placed.filled_lots, placed.rested_lots), (CAP, 0));
    let s = seat(&mut net, &btc.address, &limit_taker).await.unwrap();
    assert_eq!((s.base_lots as u64, s.order_count, s.open_bid_lots), (CAP, 0, 0));
    let h = header(&mut net, &btc.address).await;
    assert_eq!((u64::from(h.asks.count), h.bids.count, h.open_interest_lots), (EXTRA, 0, 2 * CAP));
    // A limit bid below the asks rests as usual.
    let out = order_logs(&mut net, &limit_taker, &btc, limit(Buy, 999, 4, 2_001)).await;
    assert_eq!(events::decode::<OrderPlaced>(&out.logs)[0].rested_lots, 4);
    let ix = instructions::cancel_all_orders(&limit_taker.owner.pubkey(), 0, &btc.address);
    net.send(&[ix], &[&limit_taker.owner]).await.unwrap();

    // A market order past the cap cancels the rest, like IOC. The second maker refills the book.
    for _ in 0..CAP {
        id += 1;
        order(&mut net, &makers[1], &btc, limit(Sell, 1_000, 1, id)).await.unwrap();
    }
    assert_eq!(u64::from(header(&mut net, &btc.address).await.asks.count), CAP + EXTRA);
    let market_buy = OrderParams { order_type: OrderType::Market, ..limit(Buy, 1_000, CAP + EXTRA, 3_000) };
    let out = order_logs(&mut net, &ioc_taker, &btc, market_buy).await;
    assert_eq!(events::decode::<OrderFilled>(&out.logs).len() as u64, CAP);
    let placed = &events::decode::<OrderPlaced>(&out.logs)[0];
    assert_eq!((placed.filled_lots, placed.rested_lots), (CAP, 0));
    let s = seat(&mut net, &btc.address, &ioc_taker).await.unwrap();
    assert_eq!((s.base_lots as u64, s.order_count), (2 * CAP, 0));
    let h = header(&mut net, &btc.address).await;
    assert_eq!((u64::from(h.asks.count), h.bids.count, h.open_interest_lots), (EXTRA, 0, 3 * CAP));

    let mut all: Vec<&Wallet> = makers.iter().collect();
    all.extend([&ioc_taker, &limit_taker]);
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn a_new_oracle_is_not_held_back_by_the_old_ones_publish_time() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    // The market caches its oracle's publish time; a second oracle published earlier.
    let other = create_market(&mut net, default_layout("ETH-PERP"), default_config, 1_000).await;
    let now = net.clock().await.unwrap().unix_timestamp;
    net.set_unix_time(now + 10).await.unwrap();
    move_price(&mut net, &btc, 1_001).await;
    let cached = header(&mut net, &btc.address).await.oracle_publish_time;
    let other_time = net.program_account::<perp::state::PushOracle>(&other.oracle).await.unwrap().unwrap().publish_time;
    assert!(other_time < cached);
    // The admin points the market at the other oracle: its older time is accepted.
    let admin = net.admin.insecure_clone();
    let config = default_config(other.oracle);
    let ix = instructions::update_market(&admin.pubkey(), &btc.address, config, perp::MarketStatus::Active);
    net.send(&[ix], &[&admin]).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.oracle_publish_time, 0);
    net.send(&[instructions::refresh_oracle(&btc.address, &other.oracle)], &[]).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.oracle_publish_time, other_time);
}
