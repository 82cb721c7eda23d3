//! End to end over JSON-RPC: Agave's TestValidator running the program natively, driven with
//! solana-rpc-client and the client crate's builders. One validator for the whole file (it takes
//! seconds and over a GB to start), with each part a step.
#![cfg(feature = "validator")]

use perp::error::PerpError;
use perp::events::{CollateralDeposited, CollateralWithdrawn, TraderOpened};
use perp::state::Trader;
use perp_client::chain::Chain;
use perp_client::rpc::RpcChain;
use perp_client::{accounts, events, instructions, pda};
use perp_migrations::config::Config;
use perp_migrations::tokens;
use perp_migrations::validator::LocalValidator;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_sdk::instruction::InstructionError;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::TransactionError;

const USDC: u64 = 1_000_000;

struct Wallet {
    owner: Keypair,
    token_account: solana_sdk::pubkey::Pubkey,
}

async fn wallet(net: &LocalValidator, chain: &mut RpcChain, tokens_units: u64) -> Wallet {
    let owner = tokens::funded_keypair(chain).await.unwrap();
    let d = &net.deployment;
    let token_account = tokens::create_token_account(chain, &d.mint, &owner.pubkey()).await.unwrap();
    tokens::mint_to(chain, &d.mint, &d.mint_authority, &token_account, tokens_units).await.unwrap();
    Wallet { owner, token_account }
}

fn custom_code(error: &anyhow::Error) -> Option<u32> {
    let rpc_error = error.downcast_ref::<solana_rpc_client_api::client_error::Error>()?;
    match rpc_error.get_transaction_error()? {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(code),
        _ => None,
    }
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

    deposit_and_withdraw_with_events(&net, &mut chain).await;
    rejected_withdrawal_changes_no_balance(&net, &mut chain).await;
    discover_trader_accounts_by_owner(&net, &mut chain).await;
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
    let found = chain.program_accounts(size, Trader::OWNER_OFFSET, c.as_ref()).await.unwrap();
    let mut subs: Vec<u16> = found.iter().map(|(_, a)| accounts::trader(&a.data).unwrap().sub_account_id).collect();
    subs.sort();
    assert_eq!(subs, vec![0, 5, 9]);
    for (address, account) in &found {
        let trader = accounts::trader(&account.data).unwrap();
        assert_eq!(*address, pda::trader(&c, trader.sub_account_id));
    }
    assert_eq!(chain.program_accounts(size, Trader::OWNER_OFFSET, d.as_ref()).await.unwrap().len(), 1);
}
