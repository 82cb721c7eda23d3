//! Markets on the localnet: a keeper-pushed oracle, a market account of a chosen size, orders
//! sent with each trader's margin set, and reading headers and seats back.
use perp::state::{MarketHeader, Seat, Trader};
use perp::{MarketConfig, MarketLayout, OrderParams, OrderSide, OrderType};
use perp_client::chain::{Chain, TxOutcome};
use perp_client::views::MarketData;
use perp_client::{instructions, pda};
use perp_localnet::localnet::Localnet;
use solana_program_test::BanksClientError;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

use crate::traders::Wallet;

/// Token units per quote unit, price units per quote, base units per base.
pub const QUOTE: u64 = 1_000_000;
pub const PRICE: u64 = 1_000_000;
pub const BASE: u64 = 1_000_000_000;

/// A market on the localnet with its push oracle.
pub struct TestMarket {
    pub address: Pubkey,
    pub oracle: Pubkey,
    pub oracle_authority: Keypair,
    pub symbol: [u8; 16],
}

impl Clone for TestMarket {
    fn clone(&self) -> Self {
        Self { oracle_authority: self.oracle_authority.insecure_clone(), ..*self }
    }
}

/// BTC-PERP-like defaults: tick 1 quote, lot 0.001, 10x (10% / 5%), fees 5 / 2 bps, price band
/// 10%, fill band 5%, seat deposit 1 quote, 64 orders per side, 16 seats; funding every hour,
/// capped at 0.75%, interest 0.01% per 8 h, impact notional 50 quote.
pub fn default_layout(name: &str) -> MarketLayout {
    MarketLayout {
        symbol: pda::symbol(name),
        tick_size: PRICE,
        lot_size: BASE / 1000,
        order_capacity: 64,
        seat_capacity: 16,
    }
}

pub fn default_config(oracle: Pubkey) -> MarketConfig {
    MarketConfig { oracle, ..perp::engine::test_market::config() }
}

/// The push-move cap of the tests' oracles: at its widest (100% per second), so tests jump prices
/// as they need; the cap itself has its own tests (admin_timelock.rs).
pub const TEST_PUSH_MOVE_PPM: u32 = perp::state::MAX_PUSH_MOVE_PPM;

/// Creates a push oracle at `price_quote` and a market on it.
pub async fn create_market(
    net: &mut Localnet,
    layout: MarketLayout,
    config: impl FnOnce(Pubkey) -> MarketConfig,
    price_quote: u64,
) -> TestMarket {
    let admin = net.admin.insecure_clone();
    let oracle_authority = net.funded_keypair().await.unwrap();
    let oracle = pda::push_oracle(&layout.symbol);
    let ix = instructions::create_push_oracle(
        &admin.pubkey(),
        layout.symbol,
        &oracle_authority.pubkey(),
        -6,
        TEST_PUSH_MOVE_PPM,
    );
    net.send(&[ix], &[&admin]).await.expect("create push oracle");
    let market = TestMarket { address: Pubkey::default(), oracle, oracle_authority, symbol: layout.symbol };
    push_price(net, &market, price_quote * PRICE, 0).await.expect("first price");
    let market_key = Keypair::new();
    create_market_account(net, &market_key, layout, config(oracle)).await.expect("create market");
    TestMarket { address: market_key.pubkey(), ..market }
}

/// Sends the two instructions that create a market in `market_key`'s account.
pub async fn create_market_account(
    net: &mut Localnet,
    market_key: &Keypair,
    layout: MarketLayout,
    config: MarketConfig,
) -> Result<(), BanksClientError> {
    let admin = net.admin.insecure_clone();
    let size = perp::state::market_account_size(layout.order_capacity, layout.seat_capacity).unwrap();
    let rent = net.ctx.banks_client.get_rent().await.unwrap().minimum_balance(size);
    let payer = net.ctx.payer.pubkey();
    let ixs = instructions::create_market(&admin.pubkey(), &payer, &market_key.pubkey(), layout, config, rent);
    net.send(&ixs, &[&admin, market_key]).await
}

/// Pushes `price` (1e6) with publish time = the bank's clock, moving the clock one second on
/// when the oracle already holds this second.
pub async fn push_price(
    net: &mut Localnet,
    market: &TestMarket,
    price: u64,
    conf: u64,
) -> Result<(), BanksClientError> {
    let mut now = net.clock().await.unwrap().unix_timestamp;
    if let Some(oracle) = net.program_account::<perp::state::PushOracle>(&market.oracle).await.unwrap() {
        if oracle.publish_time >= now {
            now = oracle.publish_time + 1;
            net.set_unix_time(now).await.unwrap();
        }
    }
    let ix =
        instructions::update_push_oracle(&market.oracle_authority.pubkey(), &market.oracle, price as i64, conf, now);
    let authority = market.oracle_authority.insecure_clone();
    net.send(&[ix], &[&authority]).await
}

/// Pushes a new price and caches it in the market.
pub async fn move_price(net: &mut Localnet, market: &TestMarket, price_quote: u64) {
    push_price(net, market, price_quote * PRICE, 0).await.expect("push price");
    net.send(&[instructions::refresh_oracle(&market.address, &market.oracle)], &[]).await.expect("refresh oracle");
}

pub async fn market_data(net: &mut Localnet, market: &Pubkey) -> MarketData {
    let account = net.ctx.banks_client.get_account(*market).await.unwrap().expect("market account");
    MarketData { address: *market, data: account.data }
}

pub async fn header(net: &mut Localnet, market: &Pubkey) -> MarketHeader {
    market_data(net, market).await.header().unwrap()
}

/// The seat of `wallet`'s trader account in `market`.
pub async fn seat(net: &mut Localnet, market: &Pubkey, wallet: &Wallet) -> Option<Seat> {
    market_data(net, market).await.seat_of(&wallet.trader()).unwrap().map(|(_, s)| s)
}

/// The margin set to pass with an order in `market`: the trader's other markets with their
/// oracles (read from each market header; push oracles only), in slot order.
pub async fn margin_set(net: &mut Localnet, wallet: &Wallet, except: Option<&Pubkey>) -> Vec<(Pubkey, Pubkey)> {
    let trader: Trader = net.trader(&wallet.owner.pubkey(), wallet.sub_account_id).await.unwrap().expect("trader");
    let mut out = Vec::new();
    for slot in trader.active_markets() {
        if Some(&slot.market) == except {
            continue;
        }
        let oracle = header(net, &slot.market).await.oracle;
        out.push((slot.market, oracle));
    }
    out
}

pub fn limit(side: OrderSide, price_quote: u64, lots: u64, client_order_id: u64) -> OrderParams {
    OrderParams {
        side,
        order_type: OrderType::Limit,
        price: price_quote * PRICE,
        base_lots: lots,
        reduce_only: false,
        client_order_id,
    }
}

/// Sends an order with the trader's margin set.
pub async fn order(
    net: &mut Localnet,
    wallet: &Wallet,
    market: &TestMarket,
    params: OrderParams,
) -> Result<(), BanksClientError> {
    let ix = order_instruction(net, wallet, market, params).await;
    let owner = wallet.owner.insecure_clone();
    net.send(&[ix], &[&owner]).await
}

/// Deposits with the trader's markets as remaining accounts.
pub async fn deposit(net: &mut Localnet, wallet: &Wallet, amount: u64) -> Result<(), BanksClientError> {
    let markets: Vec<Pubkey> = margin_set(net, wallet, None).await.into_iter().map(|(m, _)| m).collect();
    let ix = instructions::with_markets(
        instructions::deposit(&wallet.owner.pubkey(), wallet.sub_account_id, &wallet.token_account, amount),
        &markets,
    );
    let owner = wallet.owner.insecure_clone();
    net.send(&[ix], &[&owner]).await
}

/// Withdraws with the trader's margin set.
pub async fn withdraw(net: &mut Localnet, wallet: &Wallet, amount: u64) -> Result<(), BanksClientError> {
    let set = margin_set(net, wallet, None).await;
    let ix = instructions::with_margin_set(
        instructions::withdraw(&wallet.owner.pubkey(), wallet.sub_account_id, &wallet.token_account, amount),
        &set,
    );
    let owner = wallet.owner.insecure_clone();
    net.send(&[ix], &[&owner]).await
}

/// The trader's margin figures computed off chain with the program's engine.
pub async fn risk(net: &mut Localnet, wallet: &Wallet) -> perp::engine::account::AccountRisk {
    let trader: Trader = net.trader(&wallet.owner.pubkey(), wallet.sub_account_id).await.unwrap().expect("trader");
    // As the program will see it on its next touch: its share of socialized losses charged.
    let ledger = net.exchange().await.unwrap().ledger;
    let trader = perp::engine::collateral::with_socialized_loss(&ledger, &trader).unwrap();
    let mut datas = Vec::new();
    for slot in trader.active_markets() {
        datas.push(market_data(net, &slot.market).await);
    }
    perp_client::views::account(&trader, &mut datas).unwrap()
}

/// A trader holding `deposit_quote` quote of collateral (all its tokens deposited).
pub async fn funded_trader(net: &mut Localnet, deposit_quote: u64) -> Wallet {
    let w = crate::new_trader(net, deposit_quote * QUOTE).await;
    deposit(net, &w, deposit_quote * QUOTE).await.expect("deposit");
    w
}

/// Sends an order with the trader's margin set and returns the logs (for the events).
pub async fn order_logs(net: &mut Localnet, wallet: &Wallet, market: &TestMarket, params: OrderParams) -> TxOutcome {
    let ix = order_instruction(net, wallet, market, params).await;
    Chain::send(net, &[ix], &[&wallet.owner]).await.expect("place_order")
}

/// The `place_order` instruction for `wallet` with its margin set.
pub async fn order_instruction(
    net: &mut Localnet,
    wallet: &Wallet,
    market: &TestMarket,
    params: OrderParams,
) -> Instruction {
    let set = margin_set(net, wallet, Some(&market.address)).await;
    instructions::place_order(
        &wallet.owner.pubkey(),
        wallet.sub_account_id,
        &market.address,
        &market.oracle,
        params,
        &set,
    )
}
