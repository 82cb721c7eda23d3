//! The program's errors no other test reached, each by the path a user or keeper would take, with
//! the exact code and nothing changed.
use perp::engine::orders::OrderSide::*;
use perp::error::PerpError;
use perp::state::{MarketStatus, MAX_MARKETS_PER_TRADER};
use perp::MarketConfig;
use perp_client::instructions;
use perp_tests::*;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// A new funding interval (timelocked) is applied only once the due interval has been applied at
/// the old length: `apply_market_update` refuses with `FundingDue` until `update_funding` ran.
#[tokio::test]
async fn a_funding_interval_change_waits_for_the_due_interval() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 100_000).await;
    let config = MarketConfig { funding_interval_secs: 900, ..default_config(btc.oracle) };
    let admin = net.admin.insecure_clone();
    let day = perp::state::MIN_MARKET_UPDATE_DELAY_SECS;
    let ix = instructions::announce_market_update(&admin.pubkey(), &btc.address, config, MarketStatus::Active, day);
    net.send(&[ix], &[&admin]).await.unwrap();
    // A day on, past the current interval's end: intervals are due.
    let now = net.clock().await.unwrap().unix_timestamp;
    net.set_unix_time(now + i64::from(day)).await.unwrap();
    push_price(&mut net, &btc, 100_000 * PRICE, 0).await.unwrap();
    let apply = instructions::apply_market_update(&admin.pubkey(), &btc.address);
    let watched = [btc.address, perp_client::pda::market_update(&btc.address)];
    let before = snapshot(&mut net, &watched).await;
    assert_perp_error(net.send(std::slice::from_ref(&apply), &[]).await, PerpError::FundingDue);
    assert_eq!(snapshot(&mut net, &watched).await, before);
    // Cranked first, the change goes through.
    net.send(&[instructions::update_funding(&btc.address, &btc.oracle)], &[]).await.unwrap();
    net.send(&[apply], &[]).await.unwrap();
    assert_eq!(header(&mut net, &btc.address).await.funding_interval_secs, 900);
}

#[tokio::test]
async fn cancelling_in_a_market_without_a_seat_is_refused() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 100_000).await;
    let w = funded_trader(&mut net, 1_000).await;
    let before = snapshot(&mut net, &[btc.address, w.trader()]).await;
    let all = instructions::cancel_all_orders(&w.owner.pubkey(), 0, &btc.address);
    assert_perp_error(net.send(&[all], &[&w.owner]).await, PerpError::NoSeat);
    let one = instructions::cancel_order(&w.owner.pubkey(), 0, &btc.address, 7);
    assert_perp_error(net.send(&[one], &[&w.owner]).await, PerpError::NoSeat);
    assert_eq!(snapshot(&mut net, &[btc.address, w.trader()]).await, before);
}

#[tokio::test]
async fn an_account_of_the_program_that_is_not_a_market_is_refused_as_one() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 100_000).await;
    // The market's push oracle is the program's too (and writable here), but not a market; nor
    // is a token account of another program.
    let watched = [btc.address, btc.oracle, perp_client::pda::vault()];
    let before = snapshot(&mut net, &watched).await;
    let ix = instructions::update_funding(&btc.oracle, &btc.oracle);
    assert_perp_error(net.send(&[ix], &[]).await, PerpError::NotAMarket);
    let ix = instructions::refresh_oracle(&perp_client::pda::vault(), &btc.oracle);
    assert_perp_error(net.send(&[ix], &[]).await, PerpError::NotAMarket);
    assert_eq!(snapshot(&mut net, &watched).await, before);
}

#[tokio::test]
async fn a_ninth_market_is_refused_to_a_trader_in_eight() {
    let mut net = localnet().await;
    let mut markets = Vec::new();
    for i in 0..=MAX_MARKETS_PER_TRADER {
        markets.push(create_market(&mut net, default_layout(&format!("M{i}-PERP")), default_config, 1_000).await);
    }
    let w = funded_trader(&mut net, 10_000).await;
    for (i, m) in markets.iter().take(MAX_MARKETS_PER_TRADER).enumerate() {
        order(&mut net, &w, m, limit(Buy, 990, 10, i as u64)).await.unwrap();
    }
    let ninth = &markets[MAX_MARKETS_PER_TRADER];
    let mut watched: Vec<Pubkey> = markets.iter().map(|m| m.address).collect();
    watched.push(w.trader());
    let before = snapshot(&mut net, &watched).await;
    assert_perp_error(order(&mut net, &w, ninth, limit(Buy, 990, 10, 99)).await, PerpError::TooManyMarkets);
    assert_eq!(snapshot(&mut net, &watched).await, before);
}
