//! Exchange initialization, parameters, admin transfer and the insurance fund.
use anchor_lang::error::ErrorCode as AnchorError;
use perp::error::PerpError;
use perp::ExchangeParams;
use perp_client::chain::Chain;
use perp_client::{instructions, pda};
use perp_localnet::localnet::Localnet;
use perp_localnet::native;
use perp_migrations::config::Config;
use perp_tests::*;
use solana_sdk::instruction::{Instruction, InstructionError};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::TransactionError;

async fn bare() -> Localnet {
    Localnet::without_exchange(native::start_bank().await).await.expect("bank")
}

#[tokio::test]
async fn initialize_exchange_creates_vaults_owned_by_the_exchange() {
    let mut net = bare().await;
    let admin = net.admin.insecure_clone();
    let params = ExchangeParams { taker_fee_ppm: 700, ..ExchangeParams::default() };
    net.send(&[instructions::initialize_exchange(&admin.pubkey(), &net.mint.clone(), params)], &[&admin])
        .await
        .unwrap();
    let exchange = net.exchange().await.unwrap();
    assert_eq!(exchange.admin, admin.pubkey());
    assert_eq!(exchange.collateral_mint, net.mint);
    assert_eq!((exchange.vault, exchange.insurance_vault), (pda::vault(), pda::insurance_vault()));
    assert_eq!(exchange.params, params);
    for vault in [pda::vault(), pda::insurance_vault()] {
        let account = net.ctx.banks_client.get_account(vault).await.unwrap().unwrap();
        assert_eq!(account.owner, anchor_spl::token::ID);
        let token =
            <anchor_spl::token::spl_token::state::Account as solana_sdk::program_pack::Pack>::unpack(&account.data)
                .unwrap();
        assert_eq!((token.mint, token.owner, token.amount), (net.mint, pda::exchange(), 0));
    }
    // A second initialization cannot take the exchange over.
    let mallory = net.funded_keypair().await.unwrap();
    let again = instructions::initialize_exchange(&mallory.pubkey(), &net.mint.clone(), params);
    let before = snapshot(&mut net, &[pda::exchange(), pda::vault(), pda::insurance_vault()]).await;
    let result = net.send(&[again], &[&mallory]).await;
    // The system program's AccountAlreadyInUse (custom error 0), from Anchor's `init`.
    assert_eq!(custom_code(&result), Some(0), "{result:?}");
    assert_eq!(snapshot(&mut net, &[pda::exchange(), pda::vault(), pda::insurance_vault()]).await, before);
    assert_eq!(net.exchange().await.unwrap().admin, admin.pubkey());
}

#[tokio::test]
async fn initialize_exchange_rejects_bad_mints_and_parameters() {
    let mut net = bare().await;
    let admin = net.admin.insecure_clone();
    let watched = [pda::exchange(), pda::vault(), pda::insurance_vault()];
    let mint_authority = Pubkey::new_unique();
    let nine_decimals = net.create_mint(&mint_authority, 9).await.unwrap();
    let cases: Vec<(Instruction, u32)> = vec![
        (
            instructions::initialize_exchange(&admin.pubkey(), &nine_decimals, ExchangeParams::default()),
            u32::from(PerpError::WrongCollateralDecimals),
        ),
        (
            instructions::initialize_exchange(
                &admin.pubkey(),
                &net.mint.clone(),
                ExchangeParams { taker_fee_ppm: 10_001, ..ExchangeParams::default() },
            ),
            u32::from(PerpError::FeeTooHigh),
        ),
        (
            instructions::initialize_exchange(
                &admin.pubkey(),
                &net.mint.clone(),
                ExchangeParams { liquidation_penalty_ppm: 0, ..ExchangeParams::default() },
            ),
            u32::from(PerpError::InvalidLiquidationPenalty),
        ),
    ];
    for (ix, code) in cases {
        let before = snapshot(&mut net, &watched).await;
        let result = net.send(&[ix], &[&admin]).await;
        assert_eq!(custom_code(&result), Some(code), "{result:?}");
        assert_eq!(snapshot(&mut net, &watched).await, before);
    }
    // A token account where the mint should be: SPL's unpack refuses it.
    let token_account = net.create_token_account(&admin.pubkey()).await.unwrap();
    let ix = instructions::initialize_exchange(&admin.pubkey(), &token_account, ExchangeParams::default());
    let err = net.send(&[ix], &[&admin]).await.unwrap_err().unwrap();
    assert_eq!(err, TransactionError::InstructionError(0, InstructionError::InvalidAccountData));
    assert!(net.exchange().await.is_err(), "no exchange after only rejected attempts");
}

#[tokio::test]
async fn a_token_2022_mint_is_not_collateral() {
    let mut net = bare().await;
    let admin = net.admin.insecure_clone();
    let token_2022 = Pubkey::from_str_const("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
    let mint = Keypair::new();
    let rent = net.ctx.banks_client.get_rent().await.unwrap().minimum_balance(82);
    let payer = net.ctx.payer.pubkey();
    let create = solana_system_interface::instruction::create_account(&payer, &mint.pubkey(), rent, 82, &token_2022);
    // InitializeMint2 has the same layout in both token programs.
    let mut init = anchor_spl::token::spl_token::instruction::initialize_mint2(
        &anchor_spl::token::ID,
        &mint.pubkey(),
        &admin.pubkey(),
        None,
        6,
    )
    .unwrap();
    init.program_id = token_2022;
    net.send(&[create, init], &[&mint]).await.unwrap();
    let ix = instructions::initialize_exchange(&admin.pubkey(), &mint.pubkey(), ExchangeParams::default());
    assert_anchor_error(net.send(&[ix], &[&admin]).await, AnchorError::AccountOwnedByWrongProgram);
}

#[tokio::test]
async fn admin_transfer_takes_two_steps_and_only_the_named_key() {
    let mut net = localnet().await;
    let admin = net.admin.insecure_clone();
    let next = net.funded_keypair().await.unwrap();
    let mallory = net.funded_keypair().await.unwrap();
    let watched = [pda::exchange()];

    // Nothing proposed yet.
    let before = snapshot(&mut net, &watched).await;
    assert_perp_error(
        net.send(&[instructions::accept_admin(&next.pubkey())], &[&next]).await,
        PerpError::NoPendingAdmin,
    );
    // Only the admin proposes.
    let propose = instructions::propose_admin(&mallory.pubkey(), &mallory.pubkey());
    assert_perp_error(net.send(&[propose], &[&mallory]).await, PerpError::NotAdmin);
    assert_eq!(snapshot(&mut net, &watched).await, before);

    net.send(&[instructions::propose_admin(&admin.pubkey(), &next.pubkey())], &[&admin]).await.unwrap();
    assert_eq!(net.exchange().await.unwrap().pending_admin, next.pubkey());
    // Proposing does not hand over power yet.
    let flags = instructions::set_pause_flags(&next.pubkey(), 1);
    assert_perp_error(net.send(&[flags], &[&next]).await, PerpError::NotAdmin);
    // Someone else cannot accept.
    let steal = instructions::accept_admin(&mallory.pubkey());
    assert_perp_error(net.send(&[steal], &[&mallory]).await, PerpError::NotPendingAdmin);

    net.send(&[instructions::accept_admin(&next.pubkey())], &[&next]).await.unwrap();
    let exchange = net.exchange().await.unwrap();
    assert_eq!((exchange.admin, exchange.pending_admin), (next.pubkey(), Pubkey::default()));
    // The old admin is out; the new one is in.
    assert_perp_error(
        net.send(&[instructions::set_pause_flags(&admin.pubkey(), 1)], &[&admin]).await,
        PerpError::NotAdmin,
    );
    net.send(&[instructions::set_pause_flags(&next.pubkey(), 1)], &[&next]).await.unwrap();
    // A proposal can be withdrawn by proposing the default key.
    net.send(&[instructions::propose_admin(&next.pubkey(), &mallory.pubkey())], &[&next]).await.unwrap();
    net.send(&[instructions::propose_admin(&next.pubkey(), &Pubkey::default())], &[&next]).await.unwrap();
    assert_perp_error(
        net.send(&[instructions::accept_admin(&mallory.pubkey())], &[&mallory]).await,
        PerpError::NoPendingAdmin,
    );
}

#[tokio::test]
async fn exchange_params_change_only_by_the_admin_and_within_range() {
    let mut net = localnet().await;
    let admin = net.admin.insecure_clone();
    let mallory = net.funded_keypair().await.unwrap();
    let params = ExchangeParams { maker_fee_ppm: 100, fee_insurance_share_ppm: 250_000, ..ExchangeParams::default() };
    let ix = instructions::set_exchange_params(&mallory.pubkey(), params);
    assert_perp_error(net.send(&[ix], &[&mallory]).await, PerpError::NotAdmin);
    let bad = ExchangeParams { maker_fee_ppm: 600, ..ExchangeParams::default() };
    let ix = instructions::set_exchange_params(&admin.pubkey(), bad);
    assert_perp_error(net.send(&[ix], &[&admin]).await, PerpError::MakerFeeAboveTaker);
    let bad = ExchangeParams { liquidation_insurance_share_ppm: 1_000_001, ..ExchangeParams::default() };
    let ix = instructions::set_exchange_params(&admin.pubkey(), bad);
    assert_perp_error(net.send(&[ix], &[&admin]).await, PerpError::ShareTooHigh);
    assert_eq!(net.exchange().await.unwrap().params, ExchangeParams::default());
    net.send(&[instructions::set_exchange_params(&admin.pubkey(), params)], &[&admin]).await.unwrap();
    assert_eq!(net.exchange().await.unwrap().params, params);
}

#[tokio::test]
async fn anyone_tops_up_the_insurance_fund() {
    let mut net = localnet().await;
    let seeded = Config::localnet_default().exchange.insurance_fund_units().unwrap();
    assert_eq!(net.exchange().await.unwrap().ledger.insurance_fund, seeded);
    let donor = new_wallet(&mut net, 500).await;
    let d = donor.owner.pubkey();
    net.send(&[instructions::deposit_insurance(&d, &donor.token_account, 300)], &[&donor.owner]).await.unwrap();
    let ledger = net.exchange().await.unwrap().ledger;
    assert_eq!((ledger.insurance_fund, ledger.total_insurance_deposited), (seeded + 300, seeded + 300));
    assert_eq!(net.token_balance(&pda::insurance_vault()).await.unwrap(), seeded + 300);

    let watched = [pda::exchange(), pda::insurance_vault(), donor.token_account];
    let before = snapshot(&mut net, &watched).await;
    let too_much = instructions::deposit_insurance(&d, &donor.token_account, 201);
    assert_perp_error(net.send(&[too_much], &[&donor.owner]).await, PerpError::InsufficientFunds);
    let zero = instructions::deposit_insurance(&d, &donor.token_account, 0);
    assert_perp_error(net.send(&[zero], &[&donor.owner]).await, PerpError::ZeroAmount);
    let mut into_vault = instructions::deposit_insurance(&d, &donor.token_account, 1);
    into_vault.accounts.iter_mut().find(|m| m.pubkey == pda::insurance_vault()).unwrap().pubkey = pda::vault();
    assert_perp_error(net.send(&[into_vault], &[&donor.owner]).await, PerpError::WrongVault);
    assert_eq!(snapshot(&mut net, &watched).await, before);
    assert_money_rules(&mut net).await;
}

/// Issue #19 item 8, first half: lamports sent to the vault PDAs before `initialize_exchange`
/// (any balance makes a plain `create_account` fail; the runtime wants at least the rent of an
/// empty account, 890,880 lamports, for a transfer to land) do not block it. They did: the
/// creation failed with the system program's AccountAlreadyInUse, forever, since the addresses are
/// fixed. The vaults are now topped up, allocated and assigned when pre-funded; the exchange
/// account's Anchor `init` does the same.
#[tokio::test]
async fn lamports_sent_to_the_vault_addresses_first_do_not_block_initialization() {
    let mut net = bare().await;
    let rent = net.ctx.banks_client.get_rent().await.unwrap().minimum_balance(0);
    for address in [pda::vault(), pda::insurance_vault(), pda::exchange()] {
        let ix = solana_system_interface::instruction::transfer(&net.ctx.payer.pubkey(), &address, rent);
        net.send(&[ix], &[]).await.unwrap();
    }
    let admin = net.admin.insecure_clone();
    let ix = instructions::initialize_exchange(&admin.pubkey(), &net.mint.clone(), ExchangeParams::default());
    net.send(&[ix], &[&admin]).await.expect("initialization despite the pre-funded vaults");
    for vault in [pda::vault(), pda::insurance_vault()] {
        let account = net.ctx.banks_client.get_account(vault).await.unwrap().unwrap();
        assert_eq!(account.owner, anchor_spl::token::ID);
    }
}

/// Issue #19 item 8, second half: anyone could call `initialize_exchange` first and become the
/// admin. Deployed upgradeable (as `solana program deploy` does), only the program's upgrade
/// authority may. This needs the SBF build (a native builtin has no upgrade authority; that path
/// is in the program's unit tests): it runs on the test command's SBF pass.
#[tokio::test]
async fn only_the_upgrade_authority_initializes_the_deployed_program() {
    let authority = Keypair::new();
    let Some(mut net) = upgradeable_bank(&authority.pubkey()).await else {
        eprintln!("needs perp.so (SBF_OUT_DIR): runs on the SBF pass");
        return;
    };
    // The bare localnet's admin is not the upgrade authority: refused, nothing created.
    let mallory = net.admin.insecure_clone();
    let mint = net.mint;
    let ix = instructions::initialize_exchange(&mallory.pubkey(), &mint, ExchangeParams::default());
    assert_perp_error(net.send(&[ix], &[&mallory]).await, PerpError::NotUpgradeAuthority);
    assert!(net.account(&pda::exchange()).await.unwrap().is_none());
    // The upgrade authority initializes it.
    perp_migrations::tokens::fund(&mut net, &authority.pubkey()).await.unwrap();
    let ix = instructions::initialize_exchange(&authority.pubkey(), &mint, ExchangeParams::default());
    net.send(&[ix], &[&authority]).await.unwrap();
    assert_eq!(net.exchange().await.unwrap().admin, authority.pubkey());
}
