//! Issue #19 item 12, admin powers bounded: no single admin transaction can take traders' money.
//! Parameters stay in sane ranges; a change that can hurt open positions (margin, oracle, bands,
//! caps...) is announced, then applied by anyone after a delay of at least a day, and can be
//! cancelled before; a change that only reduces traders' risk applies at once; and the push
//! oracle's authority moves the price only so fast. Each rejection: its exact error, nothing
//! changed.
use perp::engine::orders::OrderSide::*;
use perp::error::PerpError;
use perp::events::{MarketUpdateAnnounced, MarketUpdateApplied, MarketUpdateCancelled};
use perp::math::margin::BracketParams;
use perp::state::{
    MarketConfig, MarketStatus, MarketUpdate, PushOracle, MAX_MARKET_UPDATE_DELAY_SECS, MIN_MARKET_UPDATE_DELAY_SECS,
};
use perp_client::chain::Chain;
use perp_client::{events, instructions, pda};
use perp_localnet::localnet::Localnet;
use perp_tests::*;
use solana_program_test::BanksClientError;
use solana_sdk::signature::Signer;

const DAY: u32 = 86_400;

/// A live BTC market with a long and a short open.
async fn live_market(net: &mut Localnet) -> (TestMarket, Wallet) {
    let btc = create_market(net, default_layout("BTC-PERP"), default_config, 100_000).await;
    let maker = funded_trader(net, 100_000).await;
    let trader = funded_trader(net, 2_000).await;
    order(net, &maker, &btc, limit(Sell, 100_000, 100, 1)).await.unwrap();
    order(net, &trader, &btc, limit(Buy, 100_000, 100, 2)).await.unwrap();
    (btc, trader)
}

fn higher_margin(oracle: solana_sdk::pubkey::Pubkey) -> MarketConfig {
    let mut config = default_config(oracle);
    for b in config.brackets.iter_mut() {
        b.initial_ppm *= 2;
        b.maintenance_ppm *= 2;
    }
    config
}

async fn update(
    net: &mut Localnet,
    market: &TestMarket,
    config: MarketConfig,
    status: MarketStatus,
) -> Result<(), BanksClientError> {
    let admin = net.admin.insecure_clone();
    net.send(&[instructions::update_market(&admin.pubkey(), &market.address, config, status)], &[&admin]).await
}

async fn announce(
    net: &mut Localnet,
    market: &TestMarket,
    config: MarketConfig,
    delay: u32,
) -> Result<(), BanksClientError> {
    let admin = net.admin.insecure_clone();
    let ix =
        instructions::announce_market_update(&admin.pubkey(), &market.address, config, MarketStatus::Active, delay);
    net.send(&[ix], &[&admin]).await
}

async fn apply(net: &mut Localnet, market: &TestMarket) -> Result<(), BanksClientError> {
    let admin = net.admin.pubkey();
    net.send(&[instructions::apply_market_update(&admin, &market.address)], &[]).await
}

/// Raising maintenance for everyone in one transaction liquidates whoever sits between the old
/// and the new requirement: refused, the market unchanged.
#[tokio::test]
async fn raising_maintenance_on_a_live_market_needs_the_timelock() {
    let mut net = localnet().await;
    let (btc, trader) = live_market(&mut net).await;
    let watched = [btc.address, trader.trader()];
    let before = snapshot(&mut net, &watched).await;
    let result = update(&mut net, &btc, higher_margin(btc.oracle), MarketStatus::Active).await;
    assert_perp_error(result, PerpError::MarketChangeNeedsTimelock);
    assert_eq!(snapshot(&mut net, &watched).await, before);
}

/// The April 2026 drain: an admin key repoints the oracle to one it controls and prices every
/// position at will, in one transaction. Refused; so is a push oracle's jump.
#[tokio::test]
async fn an_oracle_cannot_be_repointed_in_one_transaction() {
    let mut net = localnet().await;
    let (btc, _) = live_market(&mut net).await;
    let rogue = create_market(&mut net, default_layout("ROGUE-PERP"), default_config, 1_000).await;
    let before = snapshot(&mut net, &[btc.address]).await;
    let repointed = default_config(rogue.oracle);
    assert_perp_error(
        update(&mut net, &btc, repointed, MarketStatus::Active).await,
        PerpError::MarketChangeNeedsTimelock,
    );
    assert_eq!(snapshot(&mut net, &[btc.address]).await, before);
}

/// Guards a single transaction could switch off: an oracle age of u32::MAX, a 100% confidence
/// bound, a 100% funding cap. Refused whether applied at once or announced.
#[tokio::test]
async fn guards_cannot_be_switched_off() {
    let mut net = localnet().await;
    let (btc, _) = live_market(&mut net).await;
    let base = || default_config(btc.oracle);
    let cases = [
        (MarketConfig { oracle_max_age_secs: u32::MAX, ..base() }, PerpError::InvalidOracleConfig),
        (MarketConfig { oracle_max_conf_ppm: 1_000_000, ..base() }, PerpError::InvalidOracleConfig),
        (MarketConfig { funding_cap: 1_000_000_000, ..base() }, PerpError::InvalidFundingParams),
        (MarketConfig { price_band_ppm: 999_999, ..base() }, PerpError::InvalidPriceBand),
    ];
    let watched = [btc.address, pda::market_update(&btc.address)];
    let before = snapshot(&mut net, &watched).await;
    for (config, error) in cases {
        assert_perp_error(update(&mut net, &btc, config.clone(), MarketStatus::Active).await, error);
        assert_perp_error(announce(&mut net, &btc, config, DAY).await, error);
    }
    assert_eq!(snapshot(&mut net, &watched).await, before);
}

/// Lower fees and a move to reduce-only only reduce traders' risk: at once.
#[tokio::test]
async fn changes_that_only_reduce_risk_apply_at_once() {
    let mut net = localnet().await;
    let (btc, _) = live_market(&mut net).await;
    let cheaper = MarketConfig { taker_fee_ppm: 100, maker_fee_ppm: 0, ..default_config(btc.oracle) };
    update(&mut net, &btc, cheaper, MarketStatus::ReduceOnly).await.unwrap();
    let h = header(&mut net, &btc.address).await;
    assert_eq!((h.taker_fee_ppm, h.maker_fee_ppm, h.status), (100, 0, MarketStatus::ReduceOnly as u8));
    // and back to active (status changes are immediate either way), fees unchanged
    let same = MarketConfig { taker_fee_ppm: 100, maker_fee_ppm: 0, ..default_config(btc.oracle) };
    update(&mut net, &btc, same, MarketStatus::Active).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.status, MarketStatus::Active as u8);
}

/// Announce, wait at least the delay, apply (anyone may): each step with its event; before the
/// delay the apply is refused and nothing changes.
#[tokio::test]
async fn an_announced_change_applies_only_after_its_delay() {
    let mut net = localnet().await;
    let (btc, trader) = live_market(&mut net).await;
    let admin = net.admin.insecure_clone();
    let lamports_before = net.account(&admin.pubkey()).await.unwrap().unwrap().lamports;
    let now = net.clock().await.unwrap().unix_timestamp;
    let ix = instructions::announce_market_update(
        &admin.pubkey(),
        &btc.address,
        higher_margin(btc.oracle),
        MarketStatus::Active,
        2 * DAY,
    );
    let out = Chain::send(&mut net, &[ix], &[&admin]).await.unwrap();
    let announced = events::decode::<MarketUpdateAnnounced>(&out.logs);
    assert_eq!(announced.len(), 1);
    assert_eq!((announced[0].market, announced[0].effective_at), (btc.address, now + i64::from(2 * DAY)));
    let pending: MarketUpdate = net.program_account(&pda::market_update(&btc.address)).await.unwrap().unwrap();
    assert_eq!((pending.config.clone(), pending.admin), (higher_margin(btc.oracle), admin.pubkey()));

    // A second before the delay ends: refused, nothing changed.
    net.set_unix_time(now + i64::from(2 * DAY) - 1).await.unwrap();
    let watched = [btc.address, trader.trader(), pda::market_update(&btc.address)];
    let before = snapshot(&mut net, &watched).await;
    assert_perp_error(apply(&mut net, &btc).await, PerpError::TimelockNotElapsed);
    assert_eq!(snapshot(&mut net, &watched).await, before);

    // At the delay: anyone applies it; the announcement's rent goes back to the admin.
    net.set_unix_time(now + i64::from(2 * DAY)).await.unwrap();
    // No signature but the fee payer's: permissionless.
    let ix = instructions::apply_market_update(&admin.pubkey(), &btc.address);
    assert!(ix.accounts.iter().all(|a| !a.is_signer));
    let out = Chain::send(&mut net, &[ix], &[]).await.unwrap();
    assert_eq!(events::decode::<MarketUpdateApplied>(&out.logs).len(), 1);
    let h = header(&mut net, &btc.address).await;
    assert_eq!(h.brackets, higher_margin(btc.oracle).validate().unwrap());
    assert!(net.account(&pda::market_update(&btc.address)).await.unwrap().is_none());
    assert_eq!(net.account(&admin.pubkey()).await.unwrap().unwrap().lamports, lamports_before);
    assert_money_rules(&mut net).await;
}

/// The admin may withdraw an announcement (its event, rent back); nobody else may, and nobody
/// but the admin may announce.
#[tokio::test]
async fn only_the_admin_announces_and_cancels() {
    let mut net = localnet().await;
    let (btc, _) = live_market(&mut net).await;
    let mallory = net.funded_keypair().await.unwrap();
    let watched = [btc.address, pda::market_update(&btc.address)];
    let before = snapshot(&mut net, &watched).await;
    let ix = instructions::announce_market_update(
        &mallory.pubkey(),
        &btc.address,
        higher_margin(btc.oracle),
        MarketStatus::Active,
        DAY,
    );
    assert_perp_error(net.send(&[ix], &[&mallory]).await, PerpError::NotAdmin);
    assert_eq!(snapshot(&mut net, &watched).await, before);

    announce(&mut net, &btc, higher_margin(btc.oracle), DAY).await.unwrap();
    let pending = snapshot(&mut net, &watched).await;
    let ix = instructions::cancel_market_update(&mallory.pubkey(), &btc.address);
    assert_perp_error(net.send(&[ix], &[&mallory]).await, PerpError::NotAdmin);
    assert_eq!(snapshot(&mut net, &watched).await, pending);

    let admin = net.admin.insecure_clone();
    let ix = instructions::cancel_market_update(&admin.pubkey(), &btc.address);
    let out = Chain::send(&mut net, &[ix], &[&admin]).await.unwrap();
    assert_eq!(events::decode::<MarketUpdateCancelled>(&out.logs).len(), 1);
    assert_eq!(snapshot(&mut net, &watched).await, before);
    // Nothing left to apply, however long one waits.
    let now = net.clock().await.unwrap().unix_timestamp;
    net.set_unix_time(now + i64::from(DAY)).await.unwrap();
    assert_anchor_error(apply(&mut net, &btc).await, anchor_lang::error::ErrorCode::AccountNotInitialized);
    assert_eq!(snapshot(&mut net, &watched).await, before);
}

/// The delay is itself bounded: at least a day, at most 30 days.
#[tokio::test]
async fn the_delay_is_bounded() {
    let mut net = localnet().await;
    let (btc, _) = live_market(&mut net).await;
    let watched = [btc.address, pda::market_update(&btc.address)];
    let before = snapshot(&mut net, &watched).await;
    for delay in [0, MIN_MARKET_UPDATE_DELAY_SECS - 1, MAX_MARKET_UPDATE_DELAY_SECS + 1, u32::MAX] {
        assert_perp_error(
            announce(&mut net, &btc, higher_margin(btc.oracle), delay).await,
            PerpError::InvalidTimelockDelay,
        );
    }
    assert_eq!(snapshot(&mut net, &watched).await, before);
    announce(&mut net, &btc, higher_margin(btc.oracle), MAX_MARKET_UPDATE_DELAY_SECS).await.unwrap();
}

/// A stolen oracle authority key could publish any price. Now one push moves the price at most
/// `max_move_ppm` per second since the last (2% here): a +50% jump a second later is refused,
/// the oracle unchanged; moves within the cap land.
#[tokio::test]
async fn a_stolen_oracle_key_moves_the_price_only_so_fast() {
    let mut net = localnet().await;
    let admin = net.admin.insecure_clone();
    let authority = net.funded_keypair().await.unwrap();
    let symbol = pda::symbol("SLOW-USD");
    let oracle = pda::push_oracle(&symbol);
    let ix = instructions::create_push_oracle(&admin.pubkey(), symbol, &authority.pubkey(), -6, 20_000);
    net.send(&[ix], &[&admin]).await.unwrap();
    let t = net.clock().await.unwrap().unix_timestamp;
    let push = |price: i64, time: i64| instructions::update_push_oracle(&authority.pubkey(), &oracle, price, 0, time);
    net.send(&[push(100_000_000, t)], &[&authority]).await.unwrap();

    net.set_unix_time(t + 1).await.unwrap();
    let before = snapshot(&mut net, &[oracle]).await;
    for jump in [150_000_000, 97_999_999, 102_000_001] {
        assert_perp_error(net.send(&[push(jump, t + 1)], &[&authority]).await, PerpError::OracleMoveTooLarge);
    }
    assert_eq!(snapshot(&mut net, &[oracle]).await, before);
    net.send(&[push(102_000_000, t + 1)], &[&authority]).await.unwrap();
    // Ten seconds on: up to 20% either way.
    net.set_unix_time(t + 11).await.unwrap();
    net.send(&[push(81_600_000, t + 11)], &[&authority]).await.unwrap();
    let read: PushOracle = net.program_account(&oracle).await.unwrap().unwrap();
    assert_eq!((read.price, read.max_move_ppm), (81_600_000, 20_000));

    // The cap is set at creation within its range.
    let ix = instructions::create_push_oracle(&admin.pubkey(), pda::symbol("ANY-USD"), &authority.pubkey(), -6, 0);
    assert_perp_error(net.send(&[ix], &[&admin]).await, PerpError::InvalidOracleConfig);
    let ix =
        instructions::create_push_oracle(&admin.pubkey(), pda::symbol("ANY-USD"), &authority.pubkey(), -6, 1_000_001);
    assert_perp_error(net.send(&[ix], &[&admin]).await, PerpError::InvalidOracleConfig);
}

/// Brackets with lower margin are timelocked too (they let others take risk whose losses reach
/// everyone through ADL).
#[tokio::test]
async fn lower_margin_is_timelocked_too() {
    let mut net = localnet().await;
    let (btc, _) = live_market(&mut net).await;
    let mut lower = default_config(btc.oracle);
    lower.brackets = vec![BracketParams { max_notional: u64::MAX, initial_ppm: 50_000, maintenance_ppm: 25_000 }];
    lower.fill_band_ppm = 20_000;
    lower.liquidation_penalty_ppm = lower.liquidation_penalty_ppm.min(10_000);
    lower.liquidation_buffer_ppm = lower.liquidation_buffer_ppm.min(20_000);
    let before = snapshot(&mut net, &[btc.address]).await;
    assert_perp_error(update(&mut net, &btc, lower, MarketStatus::Active).await, PerpError::MarketChangeNeedsTimelock);
    assert_eq!(snapshot(&mut net, &[btc.address]).await, before);
}
