//! Human-readable summaries of on-chain state, in whole quote units.
use std::fmt::Write;

use perp::math::QUOTE_PRECISION;
use perp::state::Exchange;
use perp_client::pda;

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
    let _ = writeln!(out, "pause flags      {:#05b}", exchange.pause_flags);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_and_percent_render_exactly() {
        assert_eq!(quote(0), "0");
        assert_eq!(quote(4_300_000), "4.3");
        assert_eq!(quote(1_720_000), "1.72");
        assert_eq!(quote(1), "0.000001");
        assert_eq!(quote(100_000_000_000), "100000");
        assert_eq!(percent(500), "0.05%");
        assert_eq!(percent(10_000), "1%");
        assert_eq!(percent(500_000), "50%");
        assert_eq!(percent(1), "0.0001%");
    }
}
