//! `perp account [create|close]`: the wallet's trader account.
use perp_client::chain::Chain;
use perp_client::instructions;
use perp_client::units::{quote, quote_u};
use perp_client::views;
use serde_json::json;

use crate::output::{num, pairs, Output};
use crate::session::{self, Session};
use crate::OrPerp;

pub async fn show<C: Chain>(session: &mut Session<'_, C>) -> anyhow::Result<Output> {
    let (trader, pending_loss) = session.existing_trader_and_pending_loss().await?;
    let markets = session.markets().await?;
    let mut data = session::market_data(&markets);
    let risk = views::account(&trader, &mut data).or_perp()?;
    let withdrawable = risk.withdrawable().or_perp()?;
    let below_maintenance = risk.below_maintenance().or_perp()?;
    let active: Vec<String> = trader
        .active_markets()
        .map(|slot| {
            markets.iter().find(|m| m.address() == slot.market).map_or(slot.market.to_string(), |m| m.symbol.clone())
        })
        .collect();
    let address = session.trader_address();
    let json = json!({
        "trader": address.to_string(),
        "owner": session.owner().to_string(),
        "sub_account": session.sub_account,
        "collateral": num(quote_u(risk.collateral)),
        "seat_deposits": num(quote_u(risk.seat_deposits)),
        "equity": num(quote(risk.equity)),
        "margin_equity": num(quote(risk.margin_equity)),
        "initial_margin": num(quote_u(risk.initial)),
        "maintenance_margin": num(quote_u(risk.maintenance)),
        "withdrawable": num(quote_u(withdrawable)),
        "socialized_loss_pending": num(quote_u(pending_loss)),
        "below_maintenance": below_maintenance,
        "markets": active,
    });
    let mut rows = vec![
        ("trader", address.to_string()),
        ("owner", format!("{} (sub-account {})", session.owner(), session.sub_account)),
        ("collateral", num(quote_u(risk.collateral))),
        ("seat deposits", num(quote_u(risk.seat_deposits))),
        ("equity", num(quote(risk.equity))),
        ("initial margin", num(quote_u(risk.initial))),
        ("maintenance margin", num(quote_u(risk.maintenance))),
        ("withdrawable", num(quote_u(withdrawable))),
        (
            "health",
            if below_maintenance { "below maintenance: liquidatable".into() } else { "above maintenance".into() },
        ),
        ("markets", if active.is_empty() { "-".into() } else { active.join(", ") }),
    ];
    if pending_loss > 0 {
        // Already out of the collateral shown: the program charges it on the account's next touch.
        rows.insert(
            3,
            ("socialized loss", format!("{} (charged at the next transaction)", num(quote_u(pending_loss)))),
        );
    }
    let text = pairs(&rows);
    Ok(Output { text, json })
}

pub async fn create<C: Chain>(session: &mut Session<'_, C>) -> anyhow::Result<Output> {
    let address = session.trader_address();
    anyhow::ensure!(session.trader().await?.is_none(), "trader account {address} exists already; nothing sent");
    let owner = session.owner();
    let sent = session.send(&[instructions::open_trader(&owner, &owner, session.sub_account)]).await?;
    Ok(Output {
        text: format!("opened trader account {address}\nsignature {}\n", sent.signature),
        json: json!({ "trader": address.to_string(), "signature": sent.signature.to_string() }),
    })
}

pub async fn close<C: Chain>(session: &mut Session<'_, C>) -> anyhow::Result<Output> {
    let address = session.trader_address();
    let trader = session.existing_trader().await?;
    anyhow::ensure!(
        trader.is_empty(),
        "trader account {address} still holds {} collateral or seats in {} markets: withdraw and close positions first; nothing sent",
        num(quote_u(trader.collateral)),
        trader.active_markets().count()
    );
    let owner = session.owner();
    let sent = session.send(&[instructions::close_trader(&owner, session.sub_account, &owner)]).await?;
    Ok(Output {
        text: format!("closed trader account {address}; rent returned to {owner}\nsignature {}\n", sent.signature),
        json: json!({ "trader": address.to_string(), "signature": sent.signature.to_string() }),
    })
}
