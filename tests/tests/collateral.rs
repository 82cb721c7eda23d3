//! Deposits, withdrawals and trader accounts on the in-process validator.
use anchor_lang::error::ErrorCode as AnchorError;
use perp::error::PerpError;
use perp_client::{instructions, pda};
use perp_localnet::localnet::Localnet;
use perp_tests::*;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

const USDC: u64 = 1_000_000;

/// Replaces account `old` by `new` in an instruction built by the client.
fn swap_account(mut ix: Instruction, old: &Pubkey, new: &Pubkey) -> Instruction {
    let meta = ix.accounts.iter_mut().find(|m| m.pubkey == *old).expect("account in instruction");
    meta.pubkey = *new;
    ix
}

/// Sends `ix` signed by `signers`, asserts it fails with `check`, and that none of `watched`
/// changed.
async fn rejected(
    net: &mut Localnet,
    ix: Instruction,
    signers: &[&Keypair],
    watched: &[Pubkey],
    check: impl FnOnce(Result<(), solana_program_test::BanksClientError>),
) {
    let before = snapshot(net, watched).await;
    check(net.send(&[ix], signers).await);
    assert_eq!(snapshot(net, watched).await, before, "a rejected instruction changed state");
}

fn watched(w: &Wallet) -> Vec<Pubkey> {
    vec![pda::exchange(), pda::vault(), pda::insurance_vault(), w.trader(), w.token_account]
}

#[tokio::test]
async fn deposit_and_withdraw_round_trip() {
    let mut net = localnet().await;
    let alice = new_trader(&mut net, 1_000 * USDC).await;
    let owner = alice.owner.pubkey();
    net.send(&[instructions::deposit(&owner, 0, &alice.token_account, 600 * USDC)], &[&alice.owner]).await.unwrap();
    assert_eq!(net.trader(&owner, 0).await.unwrap().unwrap().collateral, 600 * USDC);
    assert_eq!(net.token_balance(&alice.token_account).await.unwrap(), 400 * USDC);
    assert_eq!(net.token_balance(&pda::vault()).await.unwrap(), 600 * USDC);

    // The same deposit twice is two deposits (the harness gives the repeat a fresh blockhash).
    let again = instructions::deposit(&owner, 0, &alice.token_account, 100 * USDC);
    net.send(std::slice::from_ref(&again), &[&alice.owner]).await.unwrap();
    net.send(&[again], &[&alice.owner]).await.unwrap();
    assert_eq!(net.trader(&owner, 0).await.unwrap().unwrap().collateral, 800 * USDC);

    net.send(&[instructions::withdraw(&owner, 0, &alice.token_account, 800 * USDC)], &[&alice.owner]).await.unwrap();
    assert_eq!(net.trader(&owner, 0).await.unwrap().unwrap().collateral, 0);
    assert_eq!(net.token_balance(&alice.token_account).await.unwrap(), 1_000 * USDC);
    let ledger = net.exchange().await.unwrap().ledger;
    assert_eq!((ledger.total_deposited, ledger.total_withdrawn, ledger.total_collateral), (800 * USDC, 800 * USDC, 0));
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn withdraw_to_another_token_account_of_the_mint() {
    let mut net = localnet().await;
    let alice = new_trader(&mut net, 10 * USDC).await;
    let owner = alice.owner.pubkey();
    let cold = net.create_token_account(&Pubkey::new_unique()).await.unwrap();
    net.send(&[instructions::deposit(&owner, 0, &alice.token_account, 10 * USDC)], &[&alice.owner]).await.unwrap();
    net.send(&[instructions::withdraw(&owner, 0, &cold, 4 * USDC)], &[&alice.owner]).await.unwrap();
    assert_eq!(net.token_balance(&cold).await.unwrap(), 4 * USDC);
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn over_withdrawal_and_extreme_amounts_are_rejected() {
    let mut net = localnet().await;
    let alice = new_trader(&mut net, 100 * USDC).await;
    let owner = alice.owner.pubkey();
    net.send(&[instructions::deposit(&owner, 0, &alice.token_account, 50 * USDC)], &[&alice.owner]).await.unwrap();
    let w = watched(&alice);
    let cases = [
        (instructions::withdraw(&owner, 0, &alice.token_account, 50 * USDC + 1), PerpError::InsufficientCollateral),
        (instructions::withdraw(&owner, 0, &alice.token_account, u64::MAX), PerpError::InsufficientCollateral),
        (instructions::withdraw(&owner, 0, &alice.token_account, 0), PerpError::ZeroAmount),
        (instructions::deposit(&owner, 0, &alice.token_account, 0), PerpError::ZeroAmount),
        (instructions::deposit(&owner, 0, &alice.token_account, u64::MAX), PerpError::InsufficientFunds),
        (instructions::deposit(&owner, 0, &alice.token_account, 50 * USDC + 1), PerpError::InsufficientFunds),
    ];
    for (ix, error) in cases {
        rejected(&mut net, ix, &[&alice.owner], &w, |r| assert_perp_error(r, error)).await;
    }
    // The whole balance still comes out.
    net.send(&[instructions::withdraw(&owner, 0, &alice.token_account, 50 * USDC)], &[&alice.owner]).await.unwrap();
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn only_the_owner_moves_a_traders_collateral() {
    let mut net = localnet().await;
    let alice = new_trader(&mut net, 100 * USDC).await;
    let mallory = new_trader(&mut net, 100 * USDC).await;
    let (a, m) = (alice.owner.pubkey(), mallory.owner.pubkey());
    net.send(&[instructions::deposit(&a, 0, &alice.token_account, 100 * USDC)], &[&alice.owner]).await.unwrap();
    let mut w = watched(&alice);
    w.extend([mallory.trader(), mallory.token_account]);

    // Mallory signs a withdrawal from Alice's trader account to her own token account.
    let steal =
        swap_account(instructions::withdraw(&m, 0, &mallory.token_account, USDC), &mallory.trader(), &alice.trader());
    rejected(&mut net, steal, &[&mallory.owner], &w, |r| assert_perp_error(r, PerpError::NotTraderOwner)).await;

    // Mallory credits her deposit to... Alice's account signed by herself: not hers either.
    let misdirect =
        swap_account(instructions::deposit(&m, 0, &mallory.token_account, USDC), &mallory.trader(), &alice.trader());
    rejected(&mut net, misdirect, &[&mallory.owner], &w, |r| assert_perp_error(r, PerpError::NotTraderOwner)).await;

    // Alice's instruction without Alice's signature (the fee payer signs alone).
    let mut unsigned = instructions::withdraw(&a, 0, &mallory.token_account, USDC);
    unsigned.accounts[0].is_signer = false;
    rejected(&mut net, unsigned, &[], &w, |r| assert_anchor_error(r, AnchorError::AccountNotSigner)).await;

    // Closing someone else's account.
    let close = swap_account(instructions::close_trader(&m, 0, &m), &mallory.trader(), &alice.trader());
    rejected(&mut net, close, &[&mallory.owner], &w, |r| assert_perp_error(r, PerpError::NotTraderOwner)).await;
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn wrong_mint_wrong_vault_and_fake_token_program_are_rejected() {
    let mut net = localnet().await;
    let alice = new_trader(&mut net, 100 * USDC).await;
    let owner = alice.owner.pubkey();
    net.send(&[instructions::deposit(&owner, 0, &alice.token_account, 60 * USDC)], &[&alice.owner]).await.unwrap();

    let other_authority = Keypair::new();
    let other_mint = net.create_mint(&other_authority.pubkey(), 6).await.unwrap();
    let foreign = net.create_token_account_of(&other_mint, &owner).await.unwrap();
    let decoy = net.create_token_account(&owner).await.unwrap();
    let mut w = watched(&alice);
    w.extend([foreign, decoy]);

    let deposit = instructions::deposit(&owner, 0, &alice.token_account, USDC);
    let withdraw = instructions::withdraw(&owner, 0, &alice.token_account, USDC);
    let cases = [
        (swap_account(deposit.clone(), &alice.token_account, &foreign), PerpError::WrongMint),
        (swap_account(withdraw.clone(), &alice.token_account, &foreign), PerpError::WrongMint),
        (swap_account(deposit.clone(), &pda::vault(), &decoy), PerpError::WrongVault),
        (swap_account(withdraw.clone(), &pda::vault(), &decoy), PerpError::WrongVault),
        (swap_account(deposit.clone(), &pda::vault(), &pda::insurance_vault()), PerpError::WrongVault),
        (swap_account(withdraw.clone(), &pda::vault(), &pda::insurance_vault()), PerpError::WrongVault),
    ];
    for (ix, error) in cases {
        rejected(&mut net, ix, &[&alice.owner], &w, |r| assert_perp_error(r, error)).await;
    }
    // A program that is not SPL Token in the token program's place.
    let token = anchor_spl::token::ID;
    let fakes = [solana_sdk_ids::system_program::ID, perp::ID, Pubkey::new_unique()];
    for fake in fakes {
        for ix in [&deposit, &withdraw] {
            let ix = swap_account(ix.clone(), &token, &fake);
            rejected(&mut net, ix, &[&alice.owner], &w, |r| assert_anchor_error(r, AnchorError::InvalidProgramId))
                .await;
        }
    }
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn pause_flags_stop_deposits_and_withdrawals_only_while_set() {
    let mut net = localnet().await;
    let alice = new_trader(&mut net, 100 * USDC).await;
    let owner = alice.owner.pubkey();
    let admin = net.admin.insecure_clone();
    net.send(&[instructions::deposit(&owner, 0, &alice.token_account, 10 * USDC)], &[&alice.owner]).await.unwrap();
    let w = watched(&alice);
    let deposit = instructions::deposit(&owner, 0, &alice.token_account, USDC);
    let withdraw = instructions::withdraw(&owner, 0, &alice.token_account, USDC);

    // Not the admin: rejected.
    let not_admin = instructions::set_pause_flags(&owner, perp::state::PAUSE_ALL);
    rejected(&mut net, not_admin, &[&alice.owner], &w, |r| assert_perp_error(r, PerpError::NotAdmin)).await;
    let unknown = instructions::set_pause_flags(&admin.pubkey(), 0b1000);
    rejected(&mut net, unknown, &[&admin], &w, |r| assert_perp_error(r, PerpError::UnknownPauseFlag)).await;

    net.send(&[instructions::set_pause_flags(&admin.pubkey(), perp::state::PAUSE_DEPOSITS)], &[&admin]).await.unwrap();
    rejected(&mut net, deposit.clone(), &[&alice.owner], &w, |r| assert_perp_error(r, PerpError::DepositsPaused)).await;
    net.send(std::slice::from_ref(&withdraw), &[&alice.owner]).await.unwrap();

    net.send(&[instructions::set_pause_flags(&admin.pubkey(), perp::state::PAUSE_WITHDRAWALS)], &[&admin])
        .await
        .unwrap();
    let w = watched(&alice);
    rejected(&mut net, withdraw.clone(), &[&alice.owner], &w, |r| assert_perp_error(r, PerpError::WithdrawalsPaused))
        .await;
    net.send(std::slice::from_ref(&deposit), &[&alice.owner]).await.unwrap();

    net.send(&[instructions::set_pause_flags(&admin.pubkey(), 0)], &[&admin]).await.unwrap();
    net.send(&[deposit, withdraw], &[&alice.owner]).await.unwrap();
    assert_eq!(net.trader(&owner, 0).await.unwrap().unwrap().collateral, 10 * USDC);
    assert_money_rules(&mut net).await;
}

#[tokio::test]
async fn close_trader_only_when_empty_and_rent_comes_back() {
    let mut net = localnet().await;
    let alice = new_trader(&mut net, 10 * USDC).await;
    let owner = alice.owner.pubkey();
    net.send(&[instructions::deposit(&owner, 0, &alice.token_account, 1)], &[&alice.owner]).await.unwrap();
    let receiver = Pubkey::new_unique();
    let w = watched(&alice);
    let close = instructions::close_trader(&owner, 0, &receiver);
    rejected(&mut net, close.clone(), &[&alice.owner], &w, |r| assert_perp_error(r, PerpError::TraderNotEmpty)).await;

    net.send(&[instructions::withdraw(&owner, 0, &alice.token_account, 1)], &[&alice.owner]).await.unwrap();
    let rent = net.ctx.banks_client.get_account(alice.trader()).await.unwrap().unwrap().lamports;
    assert_eq!(net.exchange().await.unwrap().trader_count, 1);
    net.send(&[close], &[&alice.owner]).await.unwrap();
    assert!(net.ctx.banks_client.get_account(alice.trader()).await.unwrap().is_none());
    assert_eq!(net.ctx.banks_client.get_balance(receiver).await.unwrap(), rent);
    assert_eq!(net.exchange().await.unwrap().trader_count, 0);

    // The same sub-account can be opened again, and a second sub-account lives beside it.
    net.send(
        &[instructions::open_trader(&owner, &owner, 0), instructions::open_trader(&owner, &owner, 7)],
        &[&alice.owner],
    )
    .await
    .unwrap();
    assert_eq!(net.trader(&owner, 7).await.unwrap().unwrap().sub_account_id, 7);
    assert_eq!(net.exchange().await.unwrap().trader_count, 2);
    // Opening an existing one fails (the system program refuses to create it twice).
    let before = snapshot(&mut net, &[pda::trader(&owner, 7), pda::exchange()]).await;
    let again = net.send(&[instructions::open_trader(&owner, &owner, 7)], &[&alice.owner]).await;
    // The system program's AccountAlreadyInUse (custom error 0), from Anchor's `init`.
    assert_eq!(custom_code(&again), Some(0), "{again:?}");
    assert_eq!(snapshot(&mut net, &[pda::trader(&owner, 7), pda::exchange()]).await, before);
}

#[tokio::test]
async fn a_separate_payer_funds_the_account_of_an_owner_without_sol() {
    let mut net = localnet().await;
    let owner = Keypair::new(); // never funded: an integrator's PDA or a fresh wallet
    let payer = net.funded_keypair().await.unwrap();
    net.send(&[instructions::open_trader(&owner.pubkey(), &payer.pubkey(), 3)], &[&owner, &payer]).await.unwrap();
    let trader = net.trader(&owner.pubkey(), 3).await.unwrap().unwrap();
    assert_eq!((trader.owner, trader.sub_account_id, trader.collateral), (owner.pubkey(), 3, 0));
    assert_eq!(net.ctx.banks_client.get_balance(owner.pubkey()).await.unwrap(), 0);
}
