//! `perp risk`: what a crash would cost, before it happens. The insurance fund and its coverage,
//! then for each price shock of every market (-50% to +50%) the deficits of the accounts it
//! would bankrupt, what the fund would pay (per-event caps included), what it would not, the
//! fraction of each side ADL would close, and what the caller's own positions would lose. Every
//! account of the program is priced with the program's margin engine.
use perp::state::adl::LONG;
use perp_client::accounts;
use perp_client::chain::Chain;
use perp_client::risk::{self, STANDARD_SHOCKS_PPM};
use perp_client::units::{self, quote_u, ratio};
use serde_json::json;

use crate::output::{num, percent, table, Output};
use crate::session::{self, Session};
use crate::OrPerp;

pub async fn show<C: Chain>(session: &mut Session<'_, C>) -> anyhow::Result<Output> {
    let exchange = session.exchange().await?;
    let fund = exchange.ledger.insurance_fund;
    let markets = session.markets().await?;
    let mut data = session::market_data(&markets);
    let coverage = risk::coverage(fund, &mut data).or_perp()?;
    let found = session.chain.program_accounts(&accounts::trader_filter()).await?;
    let encoded: Vec<_> = found.into_iter().map(|(address, account)| (address, account.data)).collect();
    let traders = perp_client::views::charged(&exchange.ledger, &accounts::decode_traders(&encoded)?).or_perp()?;
    let me = session.trader_address();
    let rows = risk::shock_table(&traders, &data, &exchange.ledger, Some(&me), &STANDARD_SHOCKS_PPM).or_perp()?;
    let symbol =
        |address| markets.iter().find(|m| m.address() == address).map_or("?".to_string(), |m| m.symbol.clone());
    let side_name = |side: usize| if side == LONG { "longs" } else { "shorts" };

    let mut table_rows = Vec::new();
    let mut json_rows = Vec::new();
    for row in &rows {
        let shock = units::decimal(row.shock_ppm.into(), perp::math::PPM);
        let sides: Vec<String> = row
            .sides
            .iter()
            .map(|s| format!("{} {} {}", symbol(s.market), side_name(s.side), percent(ratio(s.f_ppm))))
            .collect();
        let your_loss: u64 = row.yours.iter().map(|p| p.loss).sum();
        table_rows.push(vec![
            format!("{}{}", if row.shock_ppm > 0 { "+" } else { "" }, percent(shock)),
            num(quote_u(row.deficit)),
            num(quote_u(row.insurance_pays)),
            num(quote_u(row.uncovered)),
            if sides.is_empty() { "-".into() } else { sides.join(", ") },
            num(quote_u(your_loss)),
            num(quote_u(row.written_off)),
            num(quote_u(row.your_socialized)),
        ]);
        json_rows.push(json!({
            "shock": num(shock),
            "deficit": num(quote_u(row.deficit)),
            "insurance_pays": num(quote_u(row.insurance_pays)),
            "uncovered": num(quote_u(row.uncovered)),
            "adl": row.sides.iter().map(|s| json!({
                "market": symbol(s.market), "side": side_name(s.side),
                "closed_lots": s.closed_lots, "side_lots": s.side_lots,
                "fraction": num(ratio(s.f_ppm)), "loss": num(quote_u(s.loss)),
            })).collect::<Vec<_>>(),
            "yours": row.yours.iter().map(|p| json!({
                "market": symbol(p.market), "position_lots": p.base_lots,
                "closed_lots": p.closed_lots, "loss": num(quote_u(p.loss)),
            })).collect::<Vec<_>>(),
            "written_off": num(quote_u(row.written_off)),
            "fee_pool_pays": num(quote_u(row.fee_pool_pays)),
            "socialized": num(quote_u(row.socialized)),
            "your_socialized_share": num(quote_u(row.your_socialized)),
        }));
    }
    let coverage_json: Vec<_> = coverage
        .iter()
        .map(|c| {
            json!({
                "market": symbol(c.market), "open_interest_notional": num(quote_u(c.open_interest_notional)),
                "coverage": num(ratio(c.coverage_ppm)), "insurance_position_lots": c.insurance_position_lots,
            })
        })
        .collect();
    let ledger = &exchange.ledger;
    let mut text = format!("insurance fund {}\n", num(quote_u(fund)));
    if ledger.fee_pool_losses > 0 || ledger.socialized_losses > 0 {
        text.push_str(&format!(
            "written off so far: {} paid by the fee pool, {} socialized ({} still to charge)\n",
            num(quote_u(ledger.fee_pool_losses)),
            num(quote_u(ledger.socialized_losses)),
            num(quote_u(ledger.socialized_loss_due))
        ));
    }
    for c in &coverage {
        text.push_str(&format!(
            "  {}: open interest {} per side, covered {}\n",
            symbol(c.market),
            num(quote_u(c.open_interest_notional)),
            percent(ratio(c.coverage_ppm))
        ));
    }
    text.push_str(&format!("accounts priced: {}\n\n", traders.len()));
    text.push_str(&table(
        &["shock", "deficit", "fund pays", "uncovered", "ADL closes", "your ADL loss", "written off", "your share"],
        &table_rows,
    ));
    Ok(Output {
        text,
        json: json!({
            "insurance_fund": num(quote_u(fund)), "coverage": coverage_json,
            "fee_pool_losses": num(quote_u(ledger.fee_pool_losses)),
            "socialized_losses": num(quote_u(ledger.socialized_losses)),
            "socialized_loss_due": num(quote_u(ledger.socialized_loss_due)),
            "accounts": traders.len(), "shocks": json_rows,
        }),
    })
}
