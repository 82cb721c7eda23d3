//! The harness's money checker (`Localnet::money_rules`, run after every transaction of every
//! test) is not a formality: money that reaches a vault without the program, or a vault that
//! loses tokens, is reported with what broke.
use anchor_spl::token::spl_token;
use perp_localnet::localnet::Localnet;
use perp_migrations::config::Config;
use perp_tests::*;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// Moves `amount` of `w`'s tokens straight into `to` with SPL Token: no program instruction, no
/// event. (The transfer itself lands; the harness's check after it is what may fail.)
async fn send_around_the_program(net: &mut Localnet, w: &Wallet, to: &Pubkey, amount: u64) {
    let ix =
        spl_token::instruction::transfer(&spl_token::ID, &w.token_account, to, &w.owner.pubkey(), &[], amount).unwrap();
    net.send(&[ix], &[&w.owner]).await.unwrap();
}

/// A localnet without the harness's automatic checks (this test breaks the rules on purpose).
async fn unchecked() -> Localnet {
    let config = Config::localnet_default().without_markets();
    Localnet::start(&config).await.unwrap()
}

#[tokio::test]
async fn tokens_sent_to_the_vault_around_the_program_are_caught() {
    let mut net = unchecked().await;
    let w = new_trader(&mut net, 500 * QUOTE).await;
    net.money_rules().await.expect("a fresh exchange keeps every rule");
    // 7 quote straight into the vault with SPL Token: no deposit instruction, no event.
    send_around_the_program(&mut net, &w, &perp_client::pda::vault(), 7 * QUOTE).await;
    let broken = net.money_rules().await.unwrap_err().to_string();
    assert!(broken.contains("vault holds"), "{broken}");
    assert!(broken.contains("the sent deposits"), "{broken}");
}

#[tokio::test]
async fn an_insurance_vault_topped_up_around_the_program_is_caught() {
    let mut net = unchecked().await;
    let w = new_trader(&mut net, 500 * QUOTE).await;
    send_around_the_program(&mut net, &w, &perp_client::pda::insurance_vault(), QUOTE).await;
    let broken = net.money_rules().await.unwrap_err().to_string();
    assert!(broken.contains("insurance vault holds"), "{broken}");
    assert!(broken.contains("insurance events add up to"), "{broken}");
}

#[tokio::test]
#[should_panic(expected = "money rules broken after transaction")]
async fn the_harness_checks_after_every_transaction() {
    let mut net = localnet().await;
    let w = new_trader(&mut net, 500 * QUOTE).await;
    // The transfer lands, and the check right after it panics.
    send_around_the_program(&mut net, &w, &perp_client::pda::vault(), QUOTE).await;
}
