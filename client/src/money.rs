//! The money rules (DESIGN.md) checked from the accounts themselves: the real token balances of
//! the vaults against every trader account and every market, not against the program's ledger
//! alone; and `Flows`, which recomputes the vaults and the fee pool from what was sent and from
//! the events alone. Used by the scenario report, the keeper and the test harness (after every
//! transaction).
use anchor_lang::{AnchorDeserialize, Discriminator};
use anchor_spl::token::spl_token;
use perp::engine::account::{account_risk, market_cash};
use perp::engine::adl::insurance_pending_funding;
use perp::engine::collateral::with_socialized_loss;
use perp::engine::funding::pending_funding;
use perp::error::PerpError;
use perp::events::{
    BankruptcyResolved, CollateralDeposited, CollateralWithdrawn, FeesToInsurance, FundingApplied, InsuranceDeposited,
    InsurancePositionSwept, Liquidated, OrderFilled, SocializedLossCharged,
};
use perp::state::{Exchange, MarketView, Trader};
use solana_sdk::pubkey::Pubkey;

use solana_sdk::program_pack::Pack;

use crate::chain::Chain;
use crate::views::MarketData;

/// Everything the rules are checked over: the exchange, its vaults' token balances, every trader
/// account and every market account.
pub struct Books {
    pub exchange: Exchange,
    pub vault: u64,
    pub insurance_vault: u64,
    pub traders: Vec<(Pubkey, Trader)>,
    pub markets: Vec<MarketData>,
}

/// Each rule's verdict, and what broke it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Rule 1: the vault holds the traders' collateral, the fee pool and what the markets hold;
    /// the insurance vault holds the insurance fund; the ledger's sums match the accounts.
    pub conservation: bool,
    /// Rule 2: in each market, long base == short base == open interest (seats and the
    /// insurance fund's position).
    pub symmetry: bool,
    /// Rule 3: funding settled plus funding pending over every seat and the insurance position
    /// is zero in each market (the rounding dust already went to the insurance fund).
    pub funding_zero_sum: bool,
    /// Rule 4: what every account could withdraw is in the vault, short at most by the deficits
    /// of accounts below zero equity that the waterfall has still to resolve.
    pub solvency: bool,
    /// Trader accounts below zero equity (the waterfall has work left).
    pub bankrupt: Vec<Pubkey>,
    pub details: Vec<String>,
}

impl Verdict {
    pub fn all_hold(&self) -> bool {
        self.conservation && self.symmetry && self.funding_zero_sum && self.solvency
    }
}

/// Checks rules 1 to 4 over `books`.
pub fn check(books: &mut Books) -> Result<Verdict, PerpError> {
    let mut v =
        Verdict { conservation: true, symmetry: true, funding_zero_sum: true, solvency: true, ..Verdict::default() };
    let ledger = books.exchange.ledger;
    let collateral: u128 = books.traders.iter().map(|(_, t)| u128::from(t.collateral)).sum();
    if collateral != u128::from(ledger.total_collateral) {
        v.conservation = false;
        v.details.push(format!("trader collateral sums to {collateral}, the ledger says {}", ledger.total_collateral));
    }
    let mut markets_cash: i128 = 0;
    for market in &mut books.markets {
        let address = market.address;
        let view = market.view()?;
        let h = *view.header;
        let (mut unsettled, mut entry, mut deposits, mut long, mut short, mut pending) =
            (0i64, 0i64, 0u64, 0i64, 0i64, 0i64);
        for s in view.seats.iter().filter(|s| !s.is_free()) {
            pending = pending.checked_add(pending_funding(&h, s)?).ok_or(PerpError::MathOverflow)?;
            unsettled += s.unsettled_quote;
            entry += s.quote_entry;
            deposits += s.seat_deposit;
            if s.base_lots > 0 {
                long += s.base_lots;
            } else {
                short -= s.base_lots;
            }
        }
        if (h.sum_unsettled_quote, h.sum_quote_entry, h.sum_seat_deposits) != (unsettled, entry, deposits) {
            v.conservation = false;
            v.details.push(format!("market {address}: header sums differ from its seats"));
        }
        long += h.insurance.base_lots.max(0);
        short += (-h.insurance.base_lots).max(0);
        pending += insurance_pending_funding(&h)?;
        if long != short || i64::try_from(h.open_interest_lots).ok() != Some(long) {
            v.symmetry = false;
            v.details.push(format!(
                "market {address}: long {long} lots, short {short}, open interest {}",
                h.open_interest_lots
            ));
        }
        if h.funding_settled_net + pending != 0 {
            v.funding_zero_sum = false;
            v.details
                .push(format!("market {address}: funding settled {} + pending {pending} != 0", h.funding_settled_net));
        }
        markets_cash += i128::from(market_cash(&h)?);
    }
    // Socialized losses not yet charged are still in the accounts' collateral, not in the vault.
    let books_total = i128::from(ledger.total_collateral) + i128::from(ledger.fee_pool) + markets_cash
        - i128::from(ledger.socialized_loss_due);
    if i128::from(books.vault) != books_total {
        v.conservation = false;
        v.details.push(format!("vault holds {}, the books {books_total}", books.vault));
    }
    if books.insurance_vault != ledger.insurance_fund {
        v.conservation = false;
        v.details
            .push(format!("insurance vault holds {}, the fund is {}", books.insurance_vault, ledger.insurance_fund));
    }
    let views: Vec<(Pubkey, MarketView)> =
        books.markets.iter_mut().map(|m| Ok((m.address, m.view()?))).collect::<Result<_, PerpError>>()?;
    let (mut withdrawable, mut deficits) = (0u128, 0u128);
    for (address, trader) in &books.traders {
        // As the program will see the account on its next touch: its share of losses charged.
        let risk = account_risk(&with_socialized_loss(&ledger, trader)?, &views)?;
        withdrawable += u128::from(risk.withdrawable()?);
        if risk.equity < 0 {
            v.bankrupt.push(*address);
            deficits += u128::from(risk.equity.unsigned_abs());
        }
    }
    // Until the waterfall has run, the winners' claims may exceed the vault by the deficits of
    // the accounts below zero (the insurance fund and ADL make them good); after, not at all.
    if withdrawable > u128::from(books.vault) + deficits {
        v.solvency = false;
        v.details.push(format!(
            "accounts could withdraw {withdrawable}, the vault holds {} (deficits waiting for the waterfall: {deficits})",
            books.vault
        ));
    }
    Ok(v)
}

/// A token account's balance (0 when it does not exist or is not one).
pub async fn token_balance(chain: &mut impl Chain, account: &Pubkey) -> anyhow::Result<u64> {
    Ok(match chain.account(account).await? {
        Some(acc) => spl_token::state::Account::unpack(&acc.data).map(|a| a.amount).unwrap_or(0),
        None => 0,
    })
}

/// Reads every program account the rules need (`program_accounts` with the market and trader
/// filters) and the vaults' balances; `None` before the exchange exists.
pub async fn read_books(chain: &mut impl Chain) -> anyhow::Result<Option<Books>> {
    let Some(exchange_account) = chain.account(&crate::pda::exchange()).await? else { return Ok(None) };
    let exchange = crate::accounts::exchange(&exchange_account.data)?;
    let mut markets: Vec<MarketData> = chain
        .program_accounts(&crate::accounts::market_filter())
        .await?
        .into_iter()
        .map(|(address, account)| MarketData { address, data: account.data })
        .collect();
    markets.sort_by_key(|m| m.address);
    let mut traders = Vec::new();
    for (address, account) in chain.program_accounts(&crate::accounts::trader_filter()).await? {
        traders.push((address, crate::accounts::trader(&account.data)?));
    }
    traders.sort_by_key(|(address, _)| *address);
    let vault = token_balance(chain, &exchange.vault).await?;
    let insurance_vault = token_balance(chain, &exchange.insurance_vault).await?;
    Ok(Some(Books { exchange, vault, insurance_vault, traders, markets }))
}

/// Money in and out of the vaults as the sender saw it (the instructions it sent that landed),
/// and every value move the program's events reported. `check` recomputes from these alone what
/// the vaults, the fee pool and the insurance fund must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flows {
    /// From the instructions sent: deposits, withdrawals, insurance contributions (token units).
    pub deposited: u128,
    pub withdrawn: u128,
    pub insurance_contributed: u128,
    /// From the events.
    pub deposit_events: u128,
    pub withdraw_events: u128,
    pub insurance_deposit_events: u128,
    pub fees: u128,
    pub fees_to_insurance: u128,
    pub penalties_to_insurance: u128,
    pub funding_dust: u128,
    pub swept_to_insurance: i128,
    pub insurance_paid: u128,
    /// Losses no position could bear: what the fee pool paid, what was socialized, and what
    /// the accounts were charged of it so far.
    pub fee_pool_losses: u128,
    pub socialized: u128,
    pub socialized_charged: u128,
    pub transactions: u64,
}

fn decode<E: AnchorDeserialize + Discriminator>(bytes: &[u8]) -> Option<E> {
    let body = bytes.strip_prefix(E::DISCRIMINATOR)?;
    E::deserialize(&mut &body[..]).ok()
}

impl Flows {
    /// One landed transaction: the data of its instructions to this program, and its logs.
    pub fn observe(&mut self, instructions: &[&[u8]], logs: &[String]) {
        self.transactions += 1;
        for data in instructions {
            if let Some(ix) = decode::<perp::instruction::Deposit>(data) {
                self.deposited += u128::from(ix.amount);
            } else if let Some(ix) = decode::<perp::instruction::Withdraw>(data) {
                self.withdrawn += u128::from(ix.amount);
            } else if let Some(ix) = decode::<perp::instruction::DepositInsurance>(data) {
                self.insurance_contributed += u128::from(ix.amount);
            }
        }
        for bytes in crate::events::program_data(logs) {
            if let Some(e) = decode::<CollateralDeposited>(&bytes) {
                self.deposit_events += u128::from(e.amount);
            } else if let Some(e) = decode::<CollateralWithdrawn>(&bytes) {
                self.withdraw_events += u128::from(e.amount);
            } else if let Some(e) = decode::<InsuranceDeposited>(&bytes) {
                self.insurance_deposit_events += u128::from(e.amount);
            } else if let Some(e) = decode::<OrderFilled>(&bytes) {
                self.fees += u128::from(e.maker_fee) + u128::from(e.taker_fee);
            } else if let Some(e) = decode::<FeesToInsurance>(&bytes) {
                self.fees_to_insurance += u128::from(e.amount);
            } else if let Some(e) = decode::<Liquidated>(&bytes) {
                self.penalties_to_insurance += u128::from(e.penalty_to_insurance);
            } else if let Some(e) = decode::<FundingApplied>(&bytes) {
                self.funding_dust += u128::from(e.dust_to_insurance);
            } else if let Some(e) = decode::<BankruptcyResolved>(&bytes) {
                self.insurance_paid += u128::from(e.insurance_paid);
                self.fee_pool_losses += u128::from(e.fee_pool_paid);
                self.socialized += u128::from(e.socialized);
            } else if let Some(e) = decode::<InsurancePositionSwept>(&bytes) {
                self.swept_to_insurance += i128::from(e.to_fund);
                self.fee_pool_losses += u128::from(e.fee_pool_paid);
                self.socialized += u128::from(e.socialized);
            } else if let Some(e) = decode::<SocializedLossCharged>(&bytes) {
                self.socialized_charged += u128::from(e.amount);
            }
        }
    }

    /// What the flows and events say against `books`; each mismatch as a sentence.
    pub fn check(&self, books: &Books) -> Vec<String> {
        let mut out = Vec::new();
        let ledger = &books.exchange.ledger;
        // The vaults hold exactly what came in less what went out.
        let held = i128::from(books.vault) + i128::from(books.insurance_vault);
        let flowed = self.deposited as i128 - self.withdrawn as i128 + self.insurance_contributed as i128;
        if held != flowed {
            out.push(format!(
                "the vaults hold {held}, the sent deposits {} - withdrawals {} + insurance contributions {} = {flowed}",
                self.deposited, self.withdrawn, self.insurance_contributed
            ));
        }
        // Every move of money in or out has its event.
        if (self.deposit_events, self.withdraw_events, self.insurance_deposit_events)
            != (self.deposited, self.withdrawn, self.insurance_contributed)
        {
            out.push(format!(
                "events report deposits {} / withdrawals {} / insurance deposits {}, the instructions moved {} / {} / {}",
                self.deposit_events,
                self.withdraw_events,
                self.insurance_deposit_events,
                self.deposited,
                self.withdrawn,
                self.insurance_contributed
            ));
        }
        // The fee pool is the fills' fees less the share that went to the insurance fund and
        // what it paid of losses no position could bear.
        let pool = self.fees as i128 - self.fees_to_insurance as i128 - self.fee_pool_losses as i128;
        if pool != i128::from(ledger.fee_pool) {
            out.push(format!(
                "fills' fees {} - to insurance {} - losses {} = {pool}, the fee pool is {}",
                self.fees, self.fees_to_insurance, self.fee_pool_losses, ledger.fee_pool
            ));
        }
        // Socialized losses: what is still due is what was socialized less what was charged.
        let due = self.socialized as i128 - self.socialized_charged as i128;
        if due != i128::from(ledger.socialized_loss_due) {
            out.push(format!(
                "socialized {} - charged {} = {due}, the ledger says {} is due",
                self.socialized, self.socialized_charged, ledger.socialized_loss_due
            ));
        }
        // The insurance vault is the fund, recomputed from its events.
        let fund = self.insurance_deposit_events as i128
            + self.fees_to_insurance as i128
            + self.penalties_to_insurance as i128
            + self.funding_dust as i128
            + self.swept_to_insurance
            - self.insurance_paid as i128;
        if fund != i128::from(books.insurance_vault) {
            out.push(format!(
                "insurance events add up to {fund} (deposits {} + fees {} + penalties {} + funding dust {} + positions {} - paid {}), the insurance vault holds {}",
                self.insurance_deposit_events,
                self.fees_to_insurance,
                self.penalties_to_insurance,
                self.funding_dust,
                self.swept_to_insurance,
                self.insurance_paid,
                books.insurance_vault
            ));
        }
        out
    }
}
