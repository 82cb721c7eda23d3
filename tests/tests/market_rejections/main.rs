//! Every way the exchange turns a market instruction down, on the in-process validator: market
//! parameter ranges, admin-only updates, reduce-only markets and the trading pause, margin, seats,
//! open orders, full book sides, the open-interest cap, margin sets, oracles and the fill cap per
//! order. Each rejection names its error; the ones that touch money leave every account they
//! reach byte for byte as it was, and the books balance.
use perp::engine::orders::{CancelReason, OrderSide::*, OrderType};
use perp::error::PerpError;
use perp::events::{OrderCancelled, OrderFilled, OrderPlaced, SeatClaimed, SeatReleased};
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

mod capacity;
mod fill_cap;
mod margin;
mod margin_sets;
mod markets;
mod oracles;
