//! End to end over JSON-RPC: Agave's TestValidator running the program natively, driven with
//! solana-rpc-client and the client crate's builders. One validator for the whole file (it takes
//! seconds and over a GB to start), with each part a step.
#![cfg(feature = "validator")]

use perp::error::PerpError;
use perp::events::{CollateralDeposited, CollateralWithdrawn, OrderFilled, OrderPlaced, TraderOpened};
use perp::math::PRICE_PRECISION as PRICE;
use perp::state::{PushOracle, Trader};
use perp::{OrderParams, OrderSide, OrderType};
use perp_client::chain::{AccountFilter, Chain, Rejected};
use perp_client::rpc::RpcChain;
use perp_client::views::MarketData;
use perp_client::{accounts, events, instructions, pda};
use perp_localnet::validator::LocalValidator;
use perp_migrations::config::Config;
use perp_migrations::{bootstrap, tokens};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

const USDC: u64 = 1_000_000;

struct Wallet {
    owner: Keypair,
    token_account: Pubkey,
}

async fn wallet(net: &LocalValidator, chain: &mut RpcChain, tokens_units: u64) -> Wallet {
    let owner = tokens::funded_keypair(chain).await.unwrap();
    let d = &net.deployment;
    let token_account = tokens::create_token_account(chain, &d.mint, &owner.pubkey()).await.unwrap();
    tokens::mint_to(chain, &d.mint, &d.mint_authority, &token_account, tokens_units).await.unwrap();
    Wallet { owner, token_account }
}

fn custom_code(error: &anyhow::Error) -> Option<u32> {
    error.downcast_ref::<Rejected>()?.custom_code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_over_json_rpc() {
    let config = Config::localnet_default();
    let net = LocalValidator::start(&config, None).await.expect("validator");
    let mut chain = net.chain();

    // The bootstrap ran over RPC: the exchange exists with the config's insurance fund.
    let data = chain.account(&pda::exchange()).await.unwrap().expect("exchange account");
    let exchange = accounts::exchange(&data.data).unwrap();
    assert_eq!(exchange.ledger.insurance_fund, config.exchange.insurance_fund_units().unwrap());
    assert_eq!(
        tokens::token_balance(&mut chain, &pda::insurance_vault()).await.unwrap(),
        exchange.ledger.insurance_fund
    );

    // The money rules over JSON-RPC (getProgramAccounts and the vaults' token balances) after
    // each part.
    assert_money_rules(&mut chain).await;
    deposit_and_withdraw_with_events(&net, &mut chain).await;
    assert_money_rules(&mut chain).await;
    rejected_withdrawal_changes_no_balance(&net, &mut chain).await;
    assert_money_rules(&mut chain).await;
    discover_trader_accounts_by_owner(&net, &mut chain).await;
    assert_money_rules(&mut chain).await;
    order_placed_and_filled_over_rpc(&net, &mut chain).await;
    assert_money_rules(&mut chain).await;
    v0_transaction_through_a_lookup_table(&net, &mut chain).await;
    assert_money_rules(&mut chain).await;
}

/// The JSON-RPC backend creates and extends a lookup table, waits until it serves, and sends a v0
/// transaction through it (what the keeper does for a liquidation over many markets): a deposit
/// whose accounts come from the table lands with its event.
async fn v0_transaction_through_a_lookup_table(net: &LocalValidator, chain: &mut RpcChain) {
    let w = wallet(net, chain, 10 * USDC).await;
    let owner = w.owner.pubkey();
    chain.send(&[instructions::open_trader(&owner, &owner, 0)], &[&w.owner]).await.unwrap();
    let ix = instructions::deposit(&owner, 0, &w.token_account, 10 * USDC);
    let table = chain.lookup_table(&perp_client::lookup::table_addresses(std::slice::from_ref(&ix))).await.unwrap();
    assert!(table.addresses.contains(&pda::vault()));
    let out = chain.send_v0(&[ix], &[&w.owner], &[table]).await.expect("v0 deposit");
    let deposited = events::decode::<CollateralDeposited>(&out.logs);
    assert_eq!(deposited.last().map(|e| e.collateral_after), Some(10 * USDC));
}

async fn assert_money_rules(chain: &mut RpcChain) {
    let mut books = perp_client::money::read_books(chain).await.unwrap().expect("exchange");
    let verdict = perp_client::money::check(&mut books).unwrap();
    assert!(verdict.all_hold() && verdict.bankrupt.is_empty(), "{:?}", verdict.details);
}

async fn deposit_and_withdraw_with_events(net: &LocalValidator, chain: &mut RpcChain) {
    let alice = wallet(net, chain, 1_000 * USDC).await;
    let owner = alice.owner.pubkey();
    let opened = chain.send(&[instructions::open_trader(&owner, &owner, 0)], &[&alice.owner]).await.unwrap();
    let event = &events::decode::<TraderOpened>(&opened.logs)[0];
    assert_eq!((event.owner, event.sub_account_id, event.trader), (owner, 0, pda::trader(&owner, 0)));

    // A deposit carrying compute-budget instructions, as wallets send them.
    let ixs = [
        ComputeBudgetInstruction::set_compute_unit_limit(100_000),
        ComputeBudgetInstruction::set_compute_unit_price(1_000),
        instructions::deposit(&owner, 0, &alice.token_account, 600 * USDC),
    ];
    let deposited = chain.send(&ixs, &[&alice.owner]).await.unwrap();
    let event = &events::decode::<CollateralDeposited>(&deposited.logs)[0];
    assert_eq!((event.amount, event.collateral_after), (600 * USDC, 600 * USDC));

    let withdrawn = chain
        .send(&[instructions::withdraw(&owner, 0, &alice.token_account, 250 * USDC)], &[&alice.owner])
        .await
        .unwrap();
    let event = &events::decode::<CollateralWithdrawn>(&withdrawn.logs)[0];
    assert_eq!((event.amount, event.collateral_after), (250 * USDC, 350 * USDC));

    assert_eq!(tokens::token_balance(chain, &alice.token_account).await.unwrap(), 650 * USDC);
    assert_eq!(tokens::token_balance(chain, &pda::vault()).await.unwrap(), 350 * USDC);
    let trader = chain.account(&pda::trader(&owner, 0)).await.unwrap().unwrap();
    assert_eq!(accounts::trader(&trader.data).unwrap().collateral, 350 * USDC);
}

async fn rejected_withdrawal_changes_no_balance(net: &LocalValidator, chain: &mut RpcChain) {
    let bob = wallet(net, chain, 100 * USDC).await;
    let owner = bob.owner.pubkey();
    let ixs =
        [instructions::open_trader(&owner, &owner, 0), instructions::deposit(&owner, 0, &bob.token_account, 40 * USDC)];
    chain.send(&ixs, &[&bob.owner]).await.unwrap();
    let vault_before = tokens::token_balance(chain, &pda::vault()).await.unwrap();

    let err = chain
        .send(&[instructions::withdraw(&owner, 0, &bob.token_account, 40 * USDC + 1)], &[&bob.owner])
        .await
        .expect_err("over-withdrawal must fail");
    assert_eq!(custom_code(&err), Some(u32::from(PerpError::InsufficientCollateral)), "{err:#}");

    assert_eq!(tokens::token_balance(chain, &pda::vault()).await.unwrap(), vault_before);
    assert_eq!(tokens::token_balance(chain, &bob.token_account).await.unwrap(), 60 * USDC);
    let trader = chain.account(&pda::trader(&owner, 0)).await.unwrap().unwrap();
    assert_eq!(accounts::trader(&trader.data).unwrap().collateral, 40 * USDC);
}

async fn discover_trader_accounts_by_owner(net: &LocalValidator, chain: &mut RpcChain) {
    let carol = wallet(net, chain, 0).await;
    let dave = wallet(net, chain, 0).await;
    let (c, d) = (carol.owner.pubkey(), dave.owner.pubkey());
    let ixs = [
        instructions::open_trader(&c, &c, 0),
        instructions::open_trader(&c, &c, 5),
        instructions::open_trader(&c, &c, 9),
    ];
    chain.send(&ixs, &[&carol.owner]).await.unwrap();
    chain.send(&[instructions::open_trader(&d, &d, 0)], &[&dave.owner]).await.unwrap();

    let size = (8 + <Trader as anchor_lang::Space>::INIT_SPACE) as u64;
    let found = chain.program_accounts(&owned_by(size, &c)).await.unwrap();
    let mut subs: Vec<u16> = found.iter().map(|(_, a)| accounts::trader(&a.data).unwrap().sub_account_id).collect();
    subs.sort();
    assert_eq!(subs, vec![0, 5, 9]);
    for (address, account) in &found {
        let trader = accounts::trader(&account.data).unwrap();
        assert_eq!(*address, pda::trader(&c, trader.sub_account_id));
    }
    assert_eq!(chain.program_accounts(&owned_by(size, &d)).await.unwrap().len(), 1);
}

/// Trader accounts of `owner`.
fn owned_by(size: u64, owner: &Pubkey) -> AccountFilter {
    AccountFilter { data_size: Some(size), offset: Trader::OWNER_OFFSET, bytes: owner.to_bytes().to_vec() }
}

/// A wallet with an open, funded trader account (sub-account 0).
async fn trader(net: &LocalValidator, chain: &mut RpcChain, deposit: u64) -> Wallet {
    let w = wallet(net, chain, deposit).await;
    let owner = w.owner.pubkey();
    let ixs =
        [instructions::open_trader(&owner, &owner, 0), instructions::deposit(&owner, 0, &w.token_account, deposit)];
    chain.send(&ixs, &[&w.owner]).await.unwrap();
    w
}

/// On the bootstrapped BTC-PERP (its oracle pushed by the localnet's oracle authority): a maker's
/// resting ask, a taker's market buy that fills it, the fill read back from the logs over RPC.
async fn order_placed_and_filled_over_rpc(net: &LocalValidator, chain: &mut RpcChain) {
    let btc = net.deployment.markets.iter().find(|m| m.symbol == "BTC-PERP").expect("BTC-PERP bootstrapped").clone();
    let maker = trader(net, chain, 10_000 * USDC).await;
    let taker = trader(net, chain, 10_000 * USDC).await;

    // A fresh oracle price (the validator's clock is wall time; the market accepts 60 s).
    let oracle: PushOracle = chain_account(chain, &btc.oracle).await;
    let mut now = bootstrap::unix_time(chain).await.unwrap();
    while now <= oracle.publish_time {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        now = bootstrap::unix_time(chain).await.unwrap();
    }
    let authority = &net.deployment.oracle_authority;
    let push = instructions::update_push_oracle(&authority.pubkey(), &btc.oracle, 90_000 * PRICE as i64, 0, now);
    chain.send(&[push], &[authority]).await.unwrap();

    let ask = OrderParams {
        side: OrderSide::Sell,
        order_type: OrderType::Limit,
        price: 90_000 * PRICE,
        base_lots: 5,
        reduce_only: false,
        client_order_id: 11,
    };
    let m = maker.owner.pubkey();
    let ix = instructions::place_order(&m, 0, &btc.address, &btc.oracle, ask, &[]);
    let placed = chain.send(&[ix], &[&maker.owner]).await.unwrap();
    assert_eq!(events::decode::<OrderPlaced>(&placed.logs)[0].rested_lots, 5);

    let buy = OrderParams { side: OrderSide::Buy, order_type: OrderType::Market, price: 90_500 * PRICE, ..ask };
    let t = taker.owner.pubkey();
    let ix = instructions::place_order(&t, 0, &btc.address, &btc.oracle, buy, &[]);
    let taken = chain.send(&[ix], &[&taker.owner]).await.unwrap();
    let fills = events::decode::<OrderFilled>(&taken.logs);
    assert_eq!(fills.len(), 1);
    let fill = &fills[0];
    // 5 lots of 0.001 BTC at 90,000: 450 quote; taker 5 bps, maker 2 bps.
    assert_eq!((fill.price, fill.base_lots, fill.taker_fee, fill.maker_fee), (90_000 * PRICE, 5, 225_000, 90_000));
    assert_eq!((fill.maker, fill.taker), (pda::trader(&m, 0), pda::trader(&t, 0)));
    let market = chain.account(&btc.address).await.unwrap().unwrap();
    let mut data = MarketData { address: btc.address, data: market.data };
    let (_, seat) = data.seat_of(&pda::trader(&t, 0)).unwrap().expect("taker seat");
    assert_eq!(seat.base_lots, 5);
    assert_eq!(data.header().unwrap().open_interest_lots, 5);
}

async fn chain_account<T: anchor_lang::AccountDeserialize>(chain: &mut RpcChain, address: &Pubkey) -> T {
    let account = chain.account(address).await.unwrap().expect("account");
    T::try_deserialize(&mut account.data.as_slice()).unwrap()
}
