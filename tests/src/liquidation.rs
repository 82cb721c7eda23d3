//! Liquidation on the localnet: the margin set of a liquidation and the instructions built with it.
use perp::state::{liquidation_markets, Trader};
use perp_client::chain::{Chain, TxOutcome};
use perp_client::instructions;
use perp_localnet::localnet::Localnet;
use solana_program_test::BanksClientError;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;

use crate::markets::{header, margin_set, TestMarket};
use crate::traders::Wallet;

async fn trader_of(net: &mut Localnet, wallet: &Wallet) -> Trader {
    net.program_account::<Trader>(&wallet.trader()).await.unwrap().expect("trader account")
}

/// The remaining accounts of a liquidation in `market`: both accounts' other markets with their
/// oracles, in the program's order (`state::liquidation_markets`).
pub async fn liquidation_set(
    net: &mut Localnet,
    liquidated: &Wallet,
    liquidator: &Wallet,
    market: &Pubkey,
) -> Vec<(Pubkey, Pubkey)> {
    let a = trader_of(net, liquidated).await;
    let b = trader_of(net, liquidator).await;
    let mut out = Vec::new();
    for m in liquidation_markets(&a, &b, market) {
        let oracle = header(net, &m).await.oracle;
        out.push((m, oracle));
    }
    out
}

pub async fn liquidate_instruction(
    net: &mut Localnet,
    liquidator: &Wallet,
    liquidated: &Wallet,
    market: &TestMarket,
) -> Instruction {
    let set = liquidation_set(net, liquidated, liquidator, &market.address).await;
    instructions::liquidate(
        &solana_sdk::signature::Signer::pubkey(&liquidator.owner),
        liquidator.sub_account_id,
        &liquidated.trader(),
        &market.address,
        &market.oracle,
        &set,
    )
}

/// Sends a liquidation signed by the liquidator's owner.
pub async fn liquidate(
    net: &mut Localnet,
    liquidator: &Wallet,
    liquidated: &Wallet,
    market: &TestMarket,
) -> Result<(), BanksClientError> {
    let ix = liquidate_instruction(net, liquidator, liquidated, market).await;
    let owner = liquidator.owner.insecure_clone();
    net.send(&[ix], &[&owner]).await
}

/// A liquidation that must succeed; its logs (for the events).
pub async fn liquidate_logs(
    net: &mut Localnet,
    liquidator: &Wallet,
    liquidated: &Wallet,
    market: &TestMarket,
) -> TxOutcome {
    let ix = liquidate_instruction(net, liquidator, liquidated, market).await;
    Chain::send(net, &[ix], &[&liquidator.owner]).await.expect("liquidate")
}

/// Resolves the bankruptcy of `wallet`'s account (permissionless: the localnet's payer sends it).
pub async fn resolve_bankruptcy(net: &mut Localnet, wallet: &Wallet) -> Result<(), BanksClientError> {
    let set = margin_set(net, wallet, None).await;
    net.send(&[instructions::resolve_bankruptcy(&wallet.trader(), &set)], &[]).await
}

/// A bankruptcy resolution that must succeed; its logs (for the events).
pub async fn resolve_bankruptcy_logs(net: &mut Localnet, wallet: &Wallet) -> TxOutcome {
    let set = margin_set(net, wallet, None).await;
    Chain::send(net, &[instructions::resolve_bankruptcy(&wallet.trader(), &set)], &[])
        .await
        .expect("resolve_bankruptcy")
}

/// Settles `wallet`'s account against all its markets (permissionless `settle_funding`): it
/// applies pending ADL, funding and PnL; returns the logs.
pub async fn settle_logs(net: &mut Localnet, wallet: &Wallet) -> TxOutcome {
    let markets: Vec<Pubkey> = margin_set(net, wallet, None).await.into_iter().map(|(m, _)| m).collect();
    Chain::send(net, &[instructions::settle_funding(&wallet.trader(), &markets)], &[]).await.expect("settle_funding")
}

/// The widest liquidation: 15 markets (Reg T margin), a victim long in the first 8 and liquidatable
/// after a 35% drop there (equity 808 - 8 x 70 = 248 < 8 x 25% x 130 = 260), a liquidator long in
/// the 7 others (it takes a seat in the market of the liquidation): the most distinct markets a
/// liquidation loads. Returns the markets, the victim and the liquidator.
pub async fn fifteen_market_liquidation(net: &mut Localnet) -> (Vec<TestMarket>, Wallet, Wallet) {
    use crate::markets::{create_market, default_layout, funded_trader, limit, move_price, order};
    use perp::engine::orders::OrderSide::{Buy, Sell};
    let reg_t = |oracle| perp::MarketConfig { oracle, ..perp::engine::test_market::reg_t_config() };
    let mut markets = Vec::new();
    for i in 0..15 {
        markets.push(create_market(net, default_layout(&format!("M{i}")), reg_t, 1_000).await);
    }
    let dealers = [funded_trader(net, 100_000).await, funded_trader(net, 100_000).await];
    let victim = funded_trader(net, 808).await;
    let liquidator = funded_trader(net, 100_000).await;
    for (i, m) in markets.iter().enumerate() {
        order(net, &dealers[i / 8], m, limit(Sell, 1_000, 200, 1)).await.unwrap();
        let who = if i < 8 { &victim } else { &liquidator };
        order(net, who, m, limit(Buy, 1_000, 200, 2)).await.unwrap();
    }
    for m in &markets[..8] {
        move_price(net, m, 650).await;
    }
    (markets, victim, liquidator)
}

/// The waterfall's last step, set up: a no-fee 10x BTC market at 100,000 (the fund paying at most
/// `insurance_cap_per_event` into one bankrupt account, 0: no cap) on an exchange whose fund is as
/// the caller made it; a long (25,001) and a short (10,001) trade 1 BTC; the price gaps 30% (the
/// short is 19,999 below zero); the long sells its BTC at the oracle to a newcomer (13,500, the
/// whole opposite side now); a bystander holds 10,000. Nothing resolved yet.
pub struct NewcomerAfterAGap {
    pub btc: TestMarket,
    pub long: Wallet,
    pub short: Wallet,
    pub newcomer: Wallet,
    pub bystander: Wallet,
}

pub async fn newcomer_after_a_gap(net: &mut Localnet, insurance_cap_per_event: u64) -> NewcomerAfterAGap {
    use crate::markets::{create_market, default_layout, funded_trader, limit, move_price, order};
    use perp::engine::orders::OrderSide::{Buy, Sell};
    let no_fees =
        |oracle| perp::MarketConfig { oracle, insurance_cap_per_event, ..perp::engine::test_market::no_fee_config() };
    let btc = create_market(net, default_layout("BTC-PERP"), no_fees, 100_000).await;
    let long = funded_trader(net, 25_001).await;
    let short = funded_trader(net, 10_001).await;
    let newcomer = funded_trader(net, 13_500).await;
    let bystander = funded_trader(net, 10_000).await;
    order(net, &short, &btc, limit(Sell, 100_000, 1_000, 1)).await.unwrap();
    order(net, &long, &btc, limit(Buy, 100_000, 1_000, 2)).await.unwrap();
    move_price(net, &btc, 130_000).await;
    order(net, &long, &btc, limit(Sell, 130_000, 1_000, 3)).await.unwrap();
    order(net, &newcomer, &btc, limit(Buy, 130_000, 1_000, 4)).await.unwrap();
    NewcomerAfterAGap { btc, long, short, newcomer, bystander }
}
