use anchor_lang::prelude::*;
use anchor_spl::token::Token;

use crate::engine::collateral::{credit_insurance, InsuranceSource};
use crate::engine::orders::OrderParams;
use crate::engine::trade::{trade, TradeOutcome};
use crate::error::PerpError;
use crate::events::{FeesToInsurance, FundingSettled, OrderFilled, OrderPlaced, SeatClaimed};
use crate::instructions::market_accounts::{
    emit_adl_applied, emit_cancels, emit_settlements, load_margin_set, refresh_market, resample_after_book_change,
    views, FundingCrank, LoadedMarket,
};
use crate::instructions::token_cpi::transfer_out;
use crate::math::SafeMath;
use crate::state::{Exchange, Trader, PAUSE_TRADING};

#[derive(Accounts)]
pub struct PlaceOrder<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(mut, has_one = owner @ PerpError::NotTraderOwner)]
    pub trader: Box<Account<'info, Trader>>,
    /// CHECK: loaded as a market account of this program (owner and discriminator checked).
    #[account(mut)]
    pub market: UncheckedAccount<'info>,
    /// CHECK: checked against the market's oracle config.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: the exchange's vault (address checked); the token program checks the rest.
    #[account(mut, address = exchange.vault @ PerpError::WrongVault)]
    pub vault: UncheckedAccount<'info>,
    /// CHECK: the exchange's insurance vault (address checked).
    #[account(mut, address = exchange.insurance_vault @ PerpError::WrongVault)]
    pub insurance_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

/// What the order did, for the events.
struct Placed {
    /// Boxed: the SBF stack frame is 4 KiB.
    trade: Box<TradeOutcome>,
    lot_size: u64,
    /// Funding dust the markets' updates moved to the insurance fund.
    funding_dust: u64,
}

/// Places an order: settles the trader's seats, claims a seat on its first order in the market,
/// matches (fills settle makers in place), rests or cancels the rest, then checks margin.
/// Remaining accounts: the trader's other markets, each followed by its oracle, in the trader's
/// slot order.
pub fn handle_place_order(ctx: Context<PlaceOrder>, params: OrderParams) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = ctx.accounts;
    if !params.reduce_only {
        accounts.exchange.require_not_paused(PAUSE_TRADING, PerpError::TradingPaused)?;
    }
    let placed = place(accounts, ctx.remaining_accounts, &params, now)?;
    let (trader_key, market_key) = (accounts.trader.key(), accounts.market.key());
    emit_settlements(&trader_key, &placed.trade.settled_before);
    if let Some((seat, deposit)) = placed.trade.claimed {
        emit_event!(SeatClaimed { market: market_key, trader: trader_key, seat, deposit });
    }
    emit_fills(&market_key, &trader_key, &params, &placed)?;
    emit_cancels(&market_key, &placed.trade.order.cancels);
    emit_event!(OrderPlaced::from_outcome(market_key, trader_key, &params, &placed.trade.order));
    emit_settlements(&trader_key, &placed.trade.settled_after);
    let fees = placed.trade.order.fees_to_insurance;
    if fees > 0 {
        let insurance_fund_after = accounts.exchange.ledger.insurance_fund;
        emit_event!(FeesToInsurance { market: market_key, amount: fees, insurance_fund_after });
    }
    let (vault, insurance_vault) = (accounts.vault.to_account_info(), accounts.insurance_vault.to_account_info());
    let to_insurance = fees.safe_add(placed.funding_dust)?;
    transfer_out(&accounts.token_program, &accounts.exchange, &vault, &insurance_vault, to_insurance)
}

fn place<'info>(
    accounts: &mut PlaceOrder<'_>,
    remaining: &'info [AccountInfo<'info>],
    params: &OrderParams,
    now: i64,
) -> Result<Placed> {
    let trader_key = accounts.trader.key();
    let market_info = accounts.market.to_account_info();
    let market_key = market_info.key();
    let mut primary = LoadedMarket::load(&market_info)?;
    let (primary_dust, lot_size) = {
        let mut view = primary.view()?;
        (
            refresh_market(&market_key, &mut view, &accounts.oracle.to_account_info(), now, FundingCrank::WhenDue)?,
            view.header.lot_size,
        )
    };
    let mut others = load_margin_set(&accounts.trader, Some(&market_key), remaining, true, now)?;
    let funding_dust = primary_dust.safe_add(others.funding_dust)?;
    credit_insurance(&mut accounts.exchange.ledger, InsuranceSource::FundingDust, funding_dust)?;
    let mut markets = vec![(market_key, primary.view()?)];
    markets.extend(views(&mut others.markets)?);
    let trade =
        Box::new(trade(&mut accounts.trader, &trader_key, &mut accounts.exchange.ledger, &mut markets, params)?);
    resample_after_book_change(&market_key, &mut markets[0].1, now, true)?;
    Ok(Placed { trade, lot_size, funding_dust })
}

fn emit_fills(market: &Pubkey, taker: &Pubkey, params: &OrderParams, placed: &Placed) -> Result<()> {
    for (seat, trader, applied) in &placed.trade.order.maker_adl {
        emit_adl_applied(market, trader, *seat, applied);
    }
    for fill in &placed.trade.order.fills {
        if fill.maker_funding_paid != 0 {
            emit_event!(FundingSettled {
                market: *market,
                trader: fill.maker_trader,
                seat: fill.maker_seat,
                amount: fill.maker_funding_paid,
            });
        }
        emit_event!(OrderFilled::from_record(*market, *taker, params.side, placed.lot_size, fill)?);
    }
    Ok(())
}
