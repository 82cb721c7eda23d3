//! `perp deposit` and `perp withdraw`: collateral between the wallet's token account and its
//! trader account, in quote units parsed exactly.
use perp_client::chain::Chain;
use perp_client::units::{quote_u, quote_units};
use perp_client::{events, instructions, pda};
use rust_decimal::Decimal;
use serde_json::json;
use solana_sdk::pubkey::Pubkey;

use crate::output::{num, Output};
use crate::session::{self, Session};

pub async fn deposit<C: Chain>(
    session: &mut Session<'_, C>,
    amount: Decimal,
    from: Option<Pubkey>,
) -> anyhow::Result<Output> {
    let units = quote_units(amount, "amount")?;
    anyhow::ensure!(units > 0, "amount must be more than 0; nothing sent");
    let exchange = session.exchange().await?;
    let owner = session.owner();
    let source = from.unwrap_or_else(|| pda::associated_token(&owner, &exchange.collateral_mint));
    if session.chain.account(&source).await?.is_none() {
        anyhow::bail!(
            "token account {source} does not exist (give --from a token account of {}); nothing sent",
            exchange.collateral_mint
        );
    }
    let mut ixs = Vec::new();
    let existing = session.trader().await?;
    let opened = existing.is_none();
    if opened {
        ixs.push(instructions::open_trader(&owner, &owner, session.sub_account));
    }
    // A deposit settles the trader's seats: its markets go along.
    let markets: Vec<Pubkey> = existing.iter().flat_map(|t| t.active_markets().map(|m| m.market)).collect();
    ixs.push(instructions::with_markets(instructions::deposit(&owner, session.sub_account, &source, units), &markets));
    let sent = session.send(&ixs).await?;
    let deposited = events::decode::<perp::events::CollateralDeposited>(&sent.logs);
    let after = deposited
        .last()
        .map(|e| e.collateral_after)
        .ok_or_else(|| anyhow::anyhow!("{}: landed without a CollateralDeposited event", sent.signature))?;
    let trader = session.trader_address();
    let mut text = String::new();
    if opened {
        text.push_str(&format!("opened trader account {trader}\n"));
    }
    text.push_str(&format!(
        "deposited {} from {source}; collateral {}\nsignature {}\n",
        num(quote_u(units)),
        num(quote_u(after)),
        sent.signature
    ));
    Ok(Output {
        text,
        json: json!({
            "trader": trader.to_string(), "opened": opened, "amount": num(quote_u(units)),
            "collateral": num(quote_u(after)), "signature": sent.signature.to_string(),
        }),
    })
}

pub async fn withdraw<C: Chain>(
    session: &mut Session<'_, C>,
    amount: Decimal,
    to: Option<Pubkey>,
) -> anyhow::Result<Output> {
    let units = quote_units(amount, "amount")?;
    anyhow::ensure!(units > 0, "amount must be more than 0; nothing sent");
    let exchange = session.exchange().await?;
    let trader = session.existing_trader().await?;
    let markets = session.markets().await?;
    let owner = session.owner();
    let mut ixs = Vec::new();
    let destination = match to {
        Some(account) => account,
        None => {
            ixs.push(instructions::create_associated_token_idempotent(&owner, &owner, &exchange.collateral_mint));
            pda::associated_token(&owner, &exchange.collateral_mint)
        }
    };
    let set = session::margin_set(&trader, &markets, None)?;
    ixs.push(instructions::with_margin_set(
        instructions::withdraw(&owner, session.sub_account, &destination, units),
        &set,
    ));
    let sent = session.send(&ixs).await?;
    let after = events::decode::<perp::events::CollateralWithdrawn>(&sent.logs)
        .last()
        .map(|e| e.collateral_after)
        .ok_or_else(|| anyhow::anyhow!("{}: landed without a CollateralWithdrawn event", sent.signature))?;
    Ok(Output {
        text: format!(
            "withdrew {} to {destination}; collateral {}\nsignature {}\n",
            num(quote_u(units)),
            num(quote_u(after)),
            sent.signature
        ),
        json: json!({
            "trader": session.trader_address().to_string(), "amount": num(quote_u(units)),
            "destination": destination.to_string(), "collateral": num(quote_u(after)),
            "signature": sent.signature.to_string(),
        }),
    })
}
