//! An example integrator of the perp exchange by CPI: a hedge vault. The vault's PDA
//! (`["vault", manager]`) holds its state and owns a perp trader account (sub-account 0); the
//! manager deposits, hedges and withdraws through the vault, which signs every perp instruction
//! as the trader's owner. Perp checks the rest: that the trader account is the signing PDA's
//! (`NotTraderOwner`), the mint, the vaults and the margin set.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;
use anchor_spl::token::{self, Approve, Token, TokenAccount};
use perp::cpi::accounts as perp_accounts;
use perp::program::Perp;
use perp::OrderParams;

declare_id!("HedgeVau1t111111111111111111111111111111111");

/// Seed of the vault's PDA, with the manager's key.
pub const VAULT_SEED: &[u8] = b"vault";
/// The sub-account id of the vault's perp trader account.
pub const TRADER_SUB_ACCOUNT: u16 = 0;

#[program]
pub mod hedge_vault {
    use super::*;

    /// Creates the vault and, by CPI, its perp trader account (owned by the vault's PDA; the
    /// manager pays both rents).
    pub fn initialize_vault(ctx: Context<InitializeVault>) -> Result<()> {
        let accounts = ctx.accounts;
        accounts.vault.set_inner(Vault { manager: accounts.manager.key(), bump: ctx.bumps.vault });
        let open = perp_accounts::OpenTrader {
            owner: accounts.vault.to_account_info(),
            payer: accounts.manager.to_account_info(),
            exchange: accounts.exchange.to_account_info(),
            trader: accounts.trader.to_account_info(),
            system_program: accounts.system_program.to_account_info(),
        };
        let program = accounts.perp_program.key();
        accounts.vault.sign(|signer| {
            perp::cpi::open_trader(CpiContext::new_with_signer(program, open, signer), TRADER_SUB_ACCOUNT)
        })
    }

    /// Deposits `amount` from the manager's token account into the vault's trader account: the
    /// manager approves the vault's PDA as delegate of exactly `amount`, which perp's `deposit`
    /// then spends (the PDA signs as the trader's owner and the source's authority). Remaining
    /// accounts: the trader's markets, as perp's `deposit` takes them.
    pub fn deposit<'info>(ctx: Context<'info, Deposit<'info>>, amount: u64) -> Result<()> {
        let accounts = &ctx.accounts;
        let approve = Approve {
            to: accounts.manager_tokens.to_account_info(),
            delegate: accounts.vault.to_account_info(),
            authority: accounts.manager.to_account_info(),
        };
        token::approve(CpiContext::new(accounts.token_program.key(), approve), amount)?;
        let deposit = perp_accounts::Deposit {
            owner: accounts.vault.to_account_info(),
            exchange: accounts.exchange.to_account_info(),
            trader: accounts.trader.to_account_info(),
            source: accounts.manager_tokens.to_account_info(),
            vault: accounts.exchange_vault.to_account_info(),
            token_program: accounts.token_program.to_account_info(),
        };
        let program = accounts.perp_program.key();
        accounts.vault.sign(|signer| {
            let cpi = CpiContext::new_with_signer(program, deposit, signer);
            perp::cpi::deposit(cpi.with_remaining_accounts(ctx.remaining_accounts.to_vec()), amount)
        })
    }

    /// Places an order for the vault's trader account (remaining accounts: its margin set, as
    /// perp's `place_order` takes it).
    pub fn hedge<'info>(ctx: Context<'info, Hedge<'info>>, params: OrderParams) -> Result<()> {
        let accounts = &ctx.accounts;
        let place = perp_accounts::PlaceOrder {
            owner: accounts.vault.to_account_info(),
            exchange: accounts.exchange.to_account_info(),
            trader: accounts.trader.to_account_info(),
            market: accounts.market.to_account_info(),
            oracle: accounts.oracle.to_account_info(),
            vault: accounts.exchange_vault.to_account_info(),
            insurance_vault: accounts.insurance_vault.to_account_info(),
            token_program: accounts.token_program.to_account_info(),
        };
        let program = accounts.perp_program.key();
        accounts.vault.sign(|signer| {
            let cpi = CpiContext::new_with_signer(program, place, signer);
            perp::cpi::place_order(cpi.with_remaining_accounts(ctx.remaining_accounts.to_vec()), params)
        })
    }

    /// Withdraws `amount` from the vault's trader account to a token account of the manager
    /// (remaining accounts: the margin set, as perp's `withdraw` takes it).
    pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
        let accounts = &ctx.accounts;
        let withdraw = perp_accounts::Withdraw {
            owner: accounts.vault.to_account_info(),
            exchange: accounts.exchange.to_account_info(),
            trader: accounts.trader.to_account_info(),
            vault: accounts.exchange_vault.to_account_info(),
            insurance_vault: accounts.insurance_vault.to_account_info(),
            destination: accounts.destination.to_account_info(),
            token_program: accounts.token_program.to_account_info(),
        };
        let program = accounts.perp_program.key();
        accounts.vault.sign(|signer| {
            let cpi = CpiContext::new_with_signer(program, withdraw, signer);
            perp::cpi::withdraw(cpi.with_remaining_accounts(ctx.remaining_accounts.to_vec()), amount)
        })
    }
}

/// A vault: PDA `["vault", manager]`, the owner of perp trader account `["trader", vault, 0]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Vault {
    pub manager: Pubkey,
    pub bump: u8,
}

impl Vault {
    /// Runs `cpi` with the vault PDA's signer seeds.
    fn sign<R>(&self, cpi: impl FnOnce(&[&[&[u8]]]) -> R) -> R {
        let bump = [self.bump];
        let seeds: &[&[u8]] = &[VAULT_SEED, self.manager.as_ref(), &bump];
        cpi(&[seeds])
    }
}

#[error_code]
pub enum VaultError {
    #[msg("Signer is not the vault's manager")]
    NotManager,
    #[msg("Withdrawals go only to a token account the manager owns")]
    NotManagerTokenAccount,
}

#[derive(Accounts)]
pub struct InitializeVault<'info> {
    #[account(mut)]
    pub manager: Signer<'info>,
    #[account(init, payer = manager, space = 8 + Vault::INIT_SPACE,
              seeds = [VAULT_SEED, manager.key().as_ref()], bump)]
    pub vault: Account<'info, Vault>,
    /// CHECK: perp's exchange account (perp checks it).
    #[account(mut)]
    pub exchange: UncheckedAccount<'info>,
    /// CHECK: the vault's trader account, which perp creates at its PDA for (vault, 0).
    #[account(mut)]
    pub trader: UncheckedAccount<'info>,
    pub perp_program: Program<'info, Perp>,
    pub system_program: Program<'info, System>,
}

#[derive(Accounts)]
pub struct Deposit<'info> {
    pub manager: Signer<'info>,
    #[account(has_one = manager @ VaultError::NotManager)]
    pub vault: Account<'info, Vault>,
    /// CHECK: perp's exchange account (perp checks it).
    #[account(mut)]
    pub exchange: UncheckedAccount<'info>,
    /// CHECK: perp checks that the vault's PDA owns it.
    #[account(mut)]
    pub trader: UncheckedAccount<'info>,
    /// CHECK: the token program checks that the manager owns it (`approve`), perp its mint.
    #[account(mut)]
    pub manager_tokens: UncheckedAccount<'info>,
    /// CHECK: perp's collateral vault (perp checks its address).
    #[account(mut)]
    pub exchange_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    pub perp_program: Program<'info, Perp>,
}

#[derive(Accounts)]
pub struct Hedge<'info> {
    pub manager: Signer<'info>,
    #[account(has_one = manager @ VaultError::NotManager)]
    pub vault: Account<'info, Vault>,
    /// CHECK: perp's exchange account (perp checks it).
    #[account(mut)]
    pub exchange: UncheckedAccount<'info>,
    /// CHECK: perp checks that the vault's PDA owns it.
    #[account(mut)]
    pub trader: UncheckedAccount<'info>,
    /// CHECK: the perp market traded (perp checks it).
    #[account(mut)]
    pub market: UncheckedAccount<'info>,
    /// CHECK: the market's oracle (perp checks it against the market).
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: perp's collateral vault (perp checks its address).
    #[account(mut)]
    pub exchange_vault: UncheckedAccount<'info>,
    /// CHECK: perp's insurance vault (perp checks its address).
    #[account(mut)]
    pub insurance_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    pub perp_program: Program<'info, Perp>,
}

#[derive(Accounts)]
pub struct Withdraw<'info> {
    pub manager: Signer<'info>,
    #[account(has_one = manager @ VaultError::NotManager)]
    pub vault: Account<'info, Vault>,
    /// CHECK: perp's exchange account (perp checks it).
    #[account(mut)]
    pub exchange: UncheckedAccount<'info>,
    /// CHECK: perp checks that the vault's PDA owns it.
    #[account(mut)]
    pub trader: UncheckedAccount<'info>,
    /// CHECK: perp's collateral vault (perp checks its address).
    #[account(mut)]
    pub exchange_vault: UncheckedAccount<'info>,
    /// CHECK: perp's insurance vault (perp checks its address).
    #[account(mut)]
    pub insurance_vault: UncheckedAccount<'info>,
    /// A token account of the manager (perp checks its mint).
    #[account(mut, constraint = destination.owner == manager.key() @ VaultError::NotManagerTokenAccount)]
    pub destination: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub perp_program: Program<'info, Perp>,
}
