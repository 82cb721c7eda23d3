//! The money rules (DESIGN.md) checked from the accounts themselves: the real token balances of
//! the vaults against every trader account and every market, not against the program's ledger
//! alone. Used by the scenario report and the test harness.
use perp::engine::account::{account_risk, market_cash};
use perp::engine::adl::insurance_pending_funding;
use perp::engine::funding::pending_funding;
use perp::error::PerpError;
use perp::state::{Exchange, MarketView, Trader};
use solana_sdk::pubkey::Pubkey;

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
    /// Rule 4: what every account could withdraw is in the vault.
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
    let books_total = i128::from(ledger.total_collateral) + i128::from(ledger.fee_pool) + markets_cash;
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
    let mut withdrawable: u128 = 0;
    for (address, trader) in &books.traders {
        let risk = account_risk(trader, &views)?;
        withdrawable += u128::from(risk.withdrawable()?);
        if risk.equity < 0 {
            v.bankrupt.push(*address);
        }
    }
    if withdrawable > u128::from(books.vault) {
        v.solvency = false;
        v.details.push(format!("accounts could withdraw {withdrawable}, the vault holds {}", books.vault));
    }
    Ok(v)
}
