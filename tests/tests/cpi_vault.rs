//! Integration by CPI: programs/hedge-vault, whose PDA owns a perp trader account, opens it,
//! deposits, hedges and withdraws, every call to perp by CPI, on the same bank as perp (natively,
//! or both `.so` files with SBF_OUT_DIR set). A CPI caller that does not own the trader account
//! is rejected by perp, a signer that is not the vault's manager by the vault.
//!
//! The harness reads the money sent in and out from the transactions' top-level perp
//! instructions; the vault's reach perp by CPI, so each test credits them to `net.flows` itself
//! and checks the money rules after every step (rather than the harness's check after every
//! transaction, which would run before the credit).
use anchor_lang::prelude::AccountInfo;
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::TokenAccount;
use hedge_vault::{VaultError, TRADER_SUB_ACCOUNT, VAULT_SEED};
use perp::engine::orders::{OrderSide::*, OrderType};
use perp::error::PerpError;
use perp::events::OrderFilled;
use perp::state::Trader;
use perp::OrderParams;
use perp_client::chain::{Chain, TxOutcome};
use perp_client::{events, instructions, pda};
use perp_localnet::localnet::Localnet;
use perp_localnet::native;
use perp_migrations::config::Config;
use perp_tests::*;
use solana_program_test::{processor, BanksClientError};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

const MAX_CU: u64 = 200_000;

fn vault_entry(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    native::call_anchor_entry(hedge_vault::entry, program_id, accounts, data)
}

/// The localnet of `migrations/localnet.toml` (no markets) with hedge-vault registered beside
/// perp (`hedge_vault.so` from SBF_OUT_DIR when it is set).
async fn localnet_with_vault_program() -> Localnet {
    let mut test = native::program_test();
    test.add_program("hedge_vault", hedge_vault::ID, processor!(vault_entry));
    let ctx = native::start_bank_of(test).await;
    let config = Config::localnet_default().without_markets();
    let mut net = Localnet::start_on(ctx, &config).await.expect("localnet");
    assert_money_rules(&mut net).await;
    net
}

/// The accounts a vault instruction names: its manager and the manager's token account, the
/// vault, and the trader account it acts on (the vault's own unless a test swaps it).
#[derive(Clone, Copy)]
struct Keys {
    manager: Pubkey,
    tokens: Pubkey,
    vault: Pubkey,
    trader: Pubkey,
}

impl Keys {
    fn of(manager: Pubkey, tokens: Pubkey) -> Self {
        let vault = Pubkey::find_program_address(&[VAULT_SEED, manager.as_ref()], &hedge_vault::ID).0;
        Self { manager, tokens, vault, trader: pda::trader(&vault, TRADER_SUB_ACCOUNT) }
    }
}

/// A manager with tokens and its vault (not yet initialized).
struct TestVault {
    manager: Keypair,
    keys: Keys,
}

async fn new_manager(net: &mut Localnet, tokens: u64) -> TestVault {
    let manager = net.funded_keypair().await.expect("fund manager");
    let token_account = net.create_token_account(&manager.pubkey()).await.expect("token account");
    net.mint_to(&token_account, tokens).await.expect("mint");
    let keys = Keys::of(manager.pubkey(), token_account);
    TestVault { manager, keys }
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: hedge_vault::ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

fn initialize_vault(k: &Keys) -> Instruction {
    let accounts = hedge_vault::accounts::InitializeVault {
        manager: k.manager,
        vault: k.vault,
        exchange: pda::exchange(),
        trader: k.trader,
        perp_program: perp::ID,
        system_program: anchor_lang::system_program::ID,
    };
    build(accounts, hedge_vault::instruction::InitializeVault {})
}

fn deposit(k: &Keys, amount: u64, markets: &[Pubkey]) -> Instruction {
    let accounts = hedge_vault::accounts::Deposit {
        manager: k.manager,
        vault: k.vault,
        exchange: pda::exchange(),
        trader: k.trader,
        manager_tokens: k.tokens,
        exchange_vault: pda::vault(),
        token_program: anchor_spl::token::ID,
        perp_program: perp::ID,
    };
    // Forwarded to perp as its own builders pass them (perp-client's remaining-account helpers).
    instructions::with_markets(build(accounts, hedge_vault::instruction::Deposit { amount }), markets)
}

fn hedge(k: &Keys, market: &TestMarket, params: OrderParams, set: &[(Pubkey, Pubkey)]) -> Instruction {
    let accounts = hedge_vault::accounts::Hedge {
        manager: k.manager,
        vault: k.vault,
        exchange: pda::exchange(),
        trader: k.trader,
        market: market.address,
        oracle: market.oracle,
        exchange_vault: pda::vault(),
        insurance_vault: pda::insurance_vault(),
        token_program: anchor_spl::token::ID,
        perp_program: perp::ID,
    };
    instructions::with_margin_set(build(accounts, hedge_vault::instruction::Hedge { params }), set)
}

fn withdraw(k: &Keys, destination: &Pubkey, amount: u64, set: &[(Pubkey, Pubkey)]) -> Instruction {
    let accounts = hedge_vault::accounts::Withdraw {
        manager: k.manager,
        vault: k.vault,
        exchange: pda::exchange(),
        trader: k.trader,
        exchange_vault: pda::vault(),
        insurance_vault: pda::insurance_vault(),
        destination: *destination,
        token_program: anchor_spl::token::ID,
        perp_program: perp::ID,
    };
    instructions::with_margin_set(build(accounts, hedge_vault::instruction::Withdraw { amount }), set)
}

async fn trader(net: &mut Localnet, address: &Pubkey) -> Trader {
    net.program_account(address).await.unwrap().expect("trader account")
}

/// The trader's markets with their oracles, in slot order (`withdraw`'s margin set).
async fn margin_set_of(net: &mut Localnet, address: &Pubkey) -> Vec<(Pubkey, Pubkey)> {
    let t = trader(net, address).await;
    let mut out = Vec::new();
    for slot in t.active_markets() {
        out.push((slot.market, header(net, &slot.market).await.oracle));
    }
    out
}

/// Compute units `program` consumed in a transaction, as its invocations logged them (a caller's
/// figure includes the CPIs it makes).
fn consumed(logs: &[String], program: &Pubkey) -> u64 {
    let prefix = format!("Program {program} consumed ");
    logs.iter().filter_map(|l| l.strip_prefix(&prefix)?.split(' ').next()?.parse::<u64>().ok()).sum()
}

/// Sends a vault instruction that must land, credits the money it moved through perp by CPI to
/// the harness's flows, checks the money rules, and prints its compute units: the vault's whole
/// instruction and perp's part in it (meaningful on the SBF build, where the whole must stay
/// within the exchange's budget per instruction).
async fn send_ok(net: &mut Localnet, name: &str, ix: Instruction, v: &TestVault, flows: (u64, u64)) -> TxOutcome {
    let out = Chain::send(net, &[ix], &[&v.manager]).await.unwrap_or_else(|e| panic!("{name}: {e:#}"));
    net.flows.deposited += u128::from(flows.0);
    net.flows.withdrawn += u128::from(flows.1);
    assert_money_rules(net).await;
    let (total, perp) = (consumed(&out.logs, &hedge_vault::ID), consumed(&out.logs, &perp::ID));
    println!("hedge_vault::{name}: {total} CU, of which perp by CPI {perp} CU");
    if native::sbf_program_dir().is_some() {
        assert!(total > perp && total <= MAX_CU, "{name}: {total} CU (perp {perp})");
    }
    out
}

/// Sends `ix` signed by `signer`, asserts it failed with custom error `code` and that none of
/// `watched` changed.
async fn rejected(net: &mut Localnet, ix: Instruction, signer: &Keypair, watched: &[Pubkey], code: u32) {
    let before = snapshot(net, watched).await;
    let result: Result<(), BanksClientError> = net.send(&[ix], &[signer]).await;
    assert_eq!(custom_code(&result), Some(code), "expected custom error {code}, got {result:?}");
    assert_eq!(snapshot(net, watched).await, before, "a rejected instruction changed state");
    assert_money_rules(net).await;
}

/// A market with a maker's bid resting at 86,000 for 0.1 BTC.
async fn market_with_bid(net: &mut Localnet) -> TestMarket {
    let btc = create_market(net, default_layout("BTC-PERP"), default_config, 86_000).await;
    let maker = funded_trader(net, 100_000).await;
    order(net, &maker, &btc, limit(Buy, 86_000, 100, 1)).await.expect("maker's bid");
    btc
}

/// A market sell of `lots` (0.001 BTC each) no lower than 85,000.
fn short(lots: u64) -> OrderParams {
    OrderParams {
        side: Sell,
        order_type: OrderType::Market,
        price: 85_000 * PRICE,
        base_lots: lots,
        reduce_only: false,
        client_order_id: 7,
    }
}

/// A vault, initialized, holding `deposit_quote` of collateral (its manager minted as much).
async fn funded_vault(net: &mut Localnet, deposit_quote: u64) -> TestVault {
    let v = new_manager(net, deposit_quote * QUOTE).await;
    send_ok(net, "initialize_vault", initialize_vault(&v.keys), &v, (0, 0)).await;
    send_ok(net, "deposit", deposit(&v.keys, deposit_quote * QUOTE, &[]), &v, (deposit_quote * QUOTE, 0)).await;
    v
}

#[tokio::test]
async fn every_perp_call_by_cpi_works() {
    let mut net = localnet_with_vault_program().await;
    let btc = market_with_bid(&mut net).await;
    let v = new_manager(&mut net, 10_000 * QUOTE).await;
    let k = v.keys;
    let traders_before = net.exchange().await.unwrap().trader_count;

    // The vault opens its trader account, owned by its PDA.
    send_ok(&mut net, "initialize_vault", initialize_vault(&k), &v, (0, 0)).await;
    let vault: hedge_vault::Vault = net.program_account(&k.vault).await.unwrap().expect("vault account");
    assert_eq!(vault.manager, k.manager);
    let t = trader(&mut net, &k.trader).await;
    assert_eq!((t.owner, t.sub_account_id, t.collateral), (k.vault, TRADER_SUB_ACCOUNT, 0));
    assert_eq!(net.exchange().await.unwrap().trader_count, traders_before + 1);

    // Deposit: from the manager's tokens into the exchange's vault, credited to the trader; the
    // delegation the vault spent is gone.
    let exchange_vault_before = net.token_balance(&pda::vault()).await.unwrap();
    send_ok(&mut net, "deposit", deposit(&k, 9_000 * QUOTE, &[]), &v, (9_000 * QUOTE, 0)).await;
    assert_eq!(net.token_balance(&k.tokens).await.unwrap(), 1_000 * QUOTE);
    assert_eq!(net.token_balance(&pda::vault()).await.unwrap(), exchange_vault_before + 9_000 * QUOTE);
    assert_eq!(trader(&mut net, &k.trader).await.collateral, 9_000 * QUOTE);
    let tokens: TokenAccount = net.program_account(&k.tokens).await.unwrap().unwrap();
    assert!(tokens.delegate.is_none() && tokens.delegated_amount == 0, "no delegation left behind");

    // Hedge: a short of 0.05 BTC fills against the maker's bid at 86,000. The vault's trader pays
    // the seat deposit (1) and the taker fee (5 bps of 4,300 = 2.15) from its collateral.
    let out = send_ok(&mut net, "hedge", hedge(&k, &btc, short(50), &[]), &v, (0, 0)).await;
    let fills = events::decode::<OrderFilled>(&out.logs);
    assert_eq!(fills.len(), 1);
    assert_eq!((fills[0].taker, fills[0].price, fills[0].base), (k.trader, 86_000 * PRICE, BASE / 20));
    let (index, seat) = market_data(&mut net, &btc.address).await.seat_of(&k.trader).unwrap().expect("vault's seat");
    assert_eq!(seat.base_lots, -50);
    let t = trader(&mut net, &k.trader).await;
    assert_eq!(t.seat_in(&btc.address), Some(index));
    assert_eq!(t.collateral, 9_000 * QUOTE - QUOTE - 2_150_000);

    // Withdraw 1,000 back to the manager, the position's margin set forwarded.
    let set = margin_set_of(&mut net, &k.trader).await;
    assert_eq!(set, vec![(btc.address, btc.oracle)]);
    send_ok(&mut net, "withdraw", withdraw(&k, &k.tokens, 1_000 * QUOTE, &set), &v, (0, 1_000 * QUOTE)).await;
    assert_eq!(net.token_balance(&k.tokens).await.unwrap(), 2_000 * QUOTE);
    assert_eq!(trader(&mut net, &k.trader).await.collateral, 8_000 * QUOTE - QUOTE - 2_150_000);

    // More of the same with the trader active in the market: deposit settles its seat (the
    // markets forwarded), the next hedge passes an empty margin set (the traded market is named).
    net.mint_to(&k.tokens, 500 * QUOTE).await.unwrap();
    send_ok(&mut net, "deposit", deposit(&k, 500 * QUOTE, &[btc.address]), &v, (500 * QUOTE, 0)).await;
    send_ok(&mut net, "hedge", hedge(&k, &btc, short(10), &[]), &v, (0, 0)).await;
    let (_, seat) = market_data(&mut net, &btc.address).await.seat_of(&k.trader).unwrap().unwrap();
    assert_eq!(seat.base_lots, -60);
}

#[tokio::test]
async fn a_cpi_caller_that_does_not_own_the_trader_is_rejected_by_perp() {
    let mut net = localnet_with_vault_program().await;
    let btc = market_with_bid(&mut net).await;
    let a = funded_vault(&mut net, 5_000).await;
    send_ok(&mut net, "hedge", hedge(&a.keys, &btc, short(10), &[]), &a, (0, 0)).await;
    let b = funded_vault(&mut net, 1_000).await;
    net.mint_to(&b.keys.tokens, 1_000 * QUOTE).await.unwrap();

    // Vault B signs with its own PDA for vault A's trader account: perp's `has_one = owner`.
    let foreign = Keys { trader: a.keys.trader, ..b.keys };
    let watched = [
        pda::exchange(),
        pda::vault(),
        pda::insurance_vault(),
        btc.address,
        a.keys.trader,
        b.keys.trader,
        a.keys.tokens,
        b.keys.tokens,
    ];
    let code = u32::from(PerpError::NotTraderOwner);
    let set = margin_set_of(&mut net, &a.keys.trader).await;
    rejected(&mut net, deposit(&foreign, QUOTE, &[btc.address]), &b.manager, &watched, code).await;
    rejected(&mut net, hedge(&foreign, &btc, short(1), &[]), &b.manager, &watched, code).await;
    rejected(&mut net, withdraw(&foreign, &b.keys.tokens, QUOTE, &set), &b.manager, &watched, code).await;

    // A vault's trader account is at its own PDA's address, nowhere else: perp's seeds.
    let c = new_manager(&mut net, 0).await;
    let squatting = Keys { trader: pda::trader(&a.keys.vault, 1), ..c.keys };
    let code = anchor_lang::error::ErrorCode::ConstraintSeeds as u32;
    rejected(&mut net, initialize_vault(&squatting), &c.manager, &[pda::exchange(), c.keys.vault], code).await;
}

#[tokio::test]
async fn only_the_manager_may_use_the_vault() {
    let mut net = localnet_with_vault_program().await;
    let btc = market_with_bid(&mut net).await;
    let a = funded_vault(&mut net, 5_000).await;
    let intruder = new_manager(&mut net, 1_000 * QUOTE).await;

    // The intruder signs as the manager of vault A.
    let posing = Keys { manager: intruder.keys.manager, tokens: intruder.keys.tokens, ..a.keys };
    let watched = [
        pda::exchange(),
        pda::vault(),
        pda::insurance_vault(),
        btc.address,
        a.keys.trader,
        a.keys.tokens,
        posing.tokens,
    ];
    let code = u32::from(VaultError::NotManager);
    rejected(&mut net, deposit(&posing, QUOTE, &[]), &intruder.manager, &watched, code).await;
    rejected(&mut net, hedge(&posing, &btc, short(1), &[]), &intruder.manager, &watched, code).await;
    rejected(&mut net, withdraw(&posing, &posing.tokens, QUOTE, &[]), &intruder.manager, &watched, code).await;

    // The manager itself may withdraw only to a token account it owns.
    let code = u32::from(VaultError::NotManagerTokenAccount);
    rejected(&mut net, withdraw(&a.keys, &posing.tokens, QUOTE, &[]), &a.manager, &watched, code).await;
}
