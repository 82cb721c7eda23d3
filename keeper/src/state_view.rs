//! Human-readable summaries of on-chain state, in whole quote units.
use std::fmt::Write;

use perp::error::PerpError;
use perp::math::QUOTE_PRECISION;
use perp::state::book::Side;
use perp::state::{Exchange, MarketView};
use perp_client::chain::Chain;
use perp_client::pda;
use perp_client::views::MarketData;
use perp_migrations::tokens;
use solana_sdk::pubkey::Pubkey;

/// Token units as a decimal string of whole quote units (6 decimals, trailing zeros trimmed).
pub fn quote(units: u64) -> String {
    let whole = units / QUOTE_PRECISION;
    let frac = units % QUOTE_PRECISION;
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:06}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// Ratio in ppm as a percentage string.
pub fn percent(ppm: u32) -> String {
    let hundredths_bp = u64::from(ppm); // 1 ppm = 0.0001%
    let whole = hundredths_bp / 10_000;
    let frac = hundredths_bp % 10_000;
    if frac == 0 {
        return format!("{whole}%");
    }
    format!("{whole}.{}%", format!("{frac:04}").trim_end_matches('0'))
}

/// The exchange's addresses, parameters and books, with the vaults' token balances.
pub fn describe_exchange(exchange: &Exchange, vault_balance: u64, insurance_vault_balance: u64) -> String {
    let p = &exchange.params;
    let l = &exchange.ledger;
    let mut out = String::new();
    let _ = writeln!(out, "program          {}", perp::ID);
    let _ = writeln!(out, "exchange         {}", pda::exchange());
    let _ = writeln!(out, "admin            {}", exchange.admin);
    let _ = writeln!(out, "collateral mint  {}", exchange.collateral_mint);
    let _ = writeln!(out, "vault            {}  balance {}", exchange.vault, quote(vault_balance));
    let _ = writeln!(out, "insurance vault  {}  balance {}", exchange.insurance_vault, quote(insurance_vault_balance));
    let _ = writeln!(
        out,
        "fees             taker {}  maker {}  to insurance {}",
        percent(p.taker_fee_ppm),
        percent(p.maker_fee_ppm),
        percent(p.fee_insurance_share_ppm)
    );
    let _ = writeln!(
        out,
        "liquidation      penalty {}  to insurance {}",
        percent(p.liquidation_penalty_ppm),
        percent(p.liquidation_insurance_share_ppm)
    );
    let _ = writeln!(
        out,
        "ledger           collateral {}  fee pool {}  insurance fund {}  traders {}",
        quote(l.total_collateral),
        quote(l.fee_pool),
        quote(l.insurance_fund),
        exchange.trader_count
    );
    let _ = writeln!(
        out,
        "insurance fund   deposits {}  fees {}  penalties {}  funding dust {}  positions {}  drawn {}",
        quote(l.total_insurance_deposited),
        quote(l.insurance_from_fees),
        quote(l.insurance_from_penalties),
        quote(l.insurance_from_funding_dust),
        quote(l.insurance_from_positions),
        quote(l.insurance_drawn)
    );
    let _ = writeln!(out, "pause flags      {:#05b}", exchange.pause_flags);
    out
}

/// Funding rate at 1e9 as a percentage string (5 decimals, truncated, sign kept).
pub fn rate_percent(rate: i64) -> String {
    let sign = if rate < 0 { "-" } else { "" };
    let units = rate.unsigned_abs() / 100; // 1e9 = 100%: units of 0.00001%
    format!("{sign}{}.{:05}%", units / 100_000, units % 100_000)
}

/// One market: address, oracle, cached price, book top, open interest, seats and funding.
pub fn describe_market(address: &Pubkey, view: &MarketView) -> Result<String, PerpError> {
    let h = &*view.header;
    let symbol = String::from_utf8_lossy(&h.symbol).trim_end_matches('\0').to_string();
    let best = |side| -> Result<String, PerpError> {
        let book = view.book(side);
        Ok(match book.best() {
            Some(i) => quote(book.get(i)?.price),
            None => "-".to_string(),
        })
    };
    let funding = perp_client::views::funding(h)?;
    let mut out = String::new();
    let _ = writeln!(out, "market {symbol:<9} {address}");
    let _ = writeln!(out, "  oracle         {}  price {}", h.oracle, quote(h.oracle_price));
    let _ = writeln!(
        out,
        "  book           bid {}  ask {}  orders {} / {}  (capacity {} per side)",
        best(Side::Bid)?,
        best(Side::Ask)?,
        view.book(Side::Bid).len(),
        view.book(Side::Ask).len(),
        h.order_capacity
    );
    let _ =
        writeln!(out, "  open interest  {} lots  seats {} / {}", h.open_interest_lots, h.seat_count, h.seat_capacity);
    let _ = writeln!(
        out,
        "  funding        every {} s  last {}  predicted {}  next boundary {}",
        funding.interval_secs,
        rate_percent(funding.last_rate),
        rate_percent(funding.predicted_rate),
        funding.next_boundary
    );
    let cap = match h.insurance_cap_per_event {
        0 => "none".to_string(),
        cap => quote(cap),
    };
    let _ = writeln!(
        out,
        "  waterfall      penalty {}  to insurance {}  buffer {}  fund cap per event {}  insurance position {} lots",
        percent(h.liquidation_penalty_ppm),
        percent(h.liquidation_insurance_share_ppm),
        percent(h.liquidation_buffer_ppm),
        cap,
        h.insurance.base_lots
    );
    Ok(out)
}

/// The exchange and `markets` as they are on `chain`: everything `describe_exchange` and
/// `describe_market` print.
pub async fn describe_chain(chain: &mut impl Chain, markets: &[Pubkey]) -> anyhow::Result<String> {
    let data = chain.account(&pda::exchange()).await?.ok_or_else(|| anyhow::anyhow!("no exchange account"))?;
    let exchange = perp_client::accounts::exchange(&data.data)?;
    let vault = tokens::token_balance(chain, &exchange.vault).await?;
    let insurance = tokens::token_balance(chain, &exchange.insurance_vault).await?;
    let mut out = describe_exchange(&exchange, vault, insurance);
    for address in markets {
        let account = chain.account(address).await?.ok_or_else(|| anyhow::anyhow!("no market account {address}"))?;
        let mut market = MarketData { address: *address, data: account.data };
        let described = market.view().and_then(|view| describe_market(address, &view));
        out.push_str(&described.map_err(|e| anyhow::anyhow!("market {address}: {e}"))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
