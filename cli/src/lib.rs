//! `perp`: the wallet command line of the exchange. Every command runs over the `Chain` trait,
//! so the same code serves a cluster over JSON-RPC (the binary) and the in-process bank (tests).
//! Figures come from the program's own state decoding and math (`perp-client`'s views), amounts
//! are human units parsed exactly (rust_decimal), and every command prints a table or, with
//! `--output json`, one JSON document.
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use perp_client::chain::Chain;
use rust_decimal::Decimal;
use solana_sdk::pubkey::Pubkey;

pub mod commands;
pub mod output;
pub mod session;

pub use output::{Format, Output};
pub use session::Session;

#[derive(Parser, Debug)]
#[command(name = "perp", version, about = "Trade perpetual futures on the perp exchange from a wallet")]
pub struct Cli {
    /// JSON-RPC URL or moniker: localhost, devnet, testnet, mainnet-beta (default: the Solana
    /// CLI's config, else localhost).
    #[arg(long, short = 'u', global = true)]
    pub url: Option<String>,
    /// The wallet's keypair file (default: the Solana CLI's config, else ~/.config/solana/id.json).
    #[arg(long, short = 'k', global = true)]
    pub keypair: Option<PathBuf>,
    /// The trader sub-account of the wallet.
    #[arg(long, global = true, default_value_t = 0)]
    pub sub_account: u16,
    /// Tables for people, JSON for scripts.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = Format::Table)]
    pub output: Format,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Markets: parameters, oracle price, funding rate and APR, open interest, and the insurance
    /// fund. With a market, all of its parameters.
    Markets {
        /// A symbol (BTC-PERP) or a market address.
        market: Option<String>,
    },
    /// The wallet's trader account: collateral, equity, margin and what can be withdrawn.
    Account {
        #[command(subcommand)]
        action: Option<AccountAction>,
    },
    /// Deposits collateral (quote, e.g. 100.5) from the wallet's token account; opens the trader
    /// account first if there is none.
    Deposit {
        amount: Decimal,
        /// The token account paying (default: the wallet's associated token account).
        #[arg(long)]
        from: Option<Pubkey>,
    },
    /// Withdraws collateral (quote) to the wallet's token account, created if missing.
    Withdraw {
        amount: Decimal,
        /// The token account receiving (default: the wallet's associated token account).
        #[arg(long)]
        to: Option<Pubkey>,
    },
    /// Places an order: `perp order BTC-PERP buy 0.01 --price 90000`.
    Order {
        /// A symbol or a market address.
        market: String,
        #[arg(value_enum)]
        side: Side,
        /// Size in base units (a multiple of the market's lot size).
        size: Decimal,
        /// Limit price (quote per base, on the tick); for a market order, the worst price
        /// (default: the oracle price moved by --slippage against you).
        #[arg(long)]
        price: Option<Decimal>,
        #[arg(long = "type", value_enum, default_value_t = OrderKind::Limit)]
        order_type: OrderKind,
        /// Only reduce the position: never open or flip one.
        #[arg(long)]
        reduce_only: bool,
        /// Your id for the order (cancel it by this id).
        #[arg(long, default_value_t = 0)]
        client_id: u64,
        /// Market orders without --price: how far from the oracle the worst price is (0.01 = 1%).
        #[arg(long, default_value = "0.01")]
        slippage: Decimal,
    },
    /// Cancels one order (by its client id) or all of the wallet's orders in a market.
    Cancel {
        market: String,
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        client_id: Option<u64>,
        #[arg(long)]
        all: bool,
    },
    /// Positions: size, entry, unrealized PnL, funding paid, liquidation price, ADL share and
    /// pending ADL.
    Positions,
    /// Funding: the last and predicted rate per interval, their APR, and what they are on the
    /// trader's equity at its leverage.
    Funding { market: Option<String> },
    /// The loss waterfall ahead of a crash: the insurance fund, and for price shocks of -50% to
    /// +50% what the fund would not cover, what ADL would take from each side and from you.
    Risk,
    /// The trader account's transactions with their decoded events, newest first.
    History {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

#[derive(Subcommand, Debug, Clone, Copy)]
pub enum AccountAction {
    /// Opens the trader account (rent paid by the wallet).
    Create,
    /// Closes the empty trader account and returns its rent to the wallet.
    Close,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Side {
    #[value(alias = "long")]
    Buy,
    #[value(alias = "short")]
    Sell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OrderKind {
    /// Takes what crosses, rests the rest.
    Limit,
    /// Rests only: rejected if it would take.
    PostOnly,
    /// Takes what crosses, cancels the rest.
    Ioc,
    /// Takes up to the worst price, cancels the rest.
    Market,
}

/// The program's errors into `anyhow` (PerpError is Anchor's, without `std::error::Error`).
pub trait OrPerp<T> {
    fn or_perp(self) -> anyhow::Result<T>;
}

impl<T> OrPerp<T> for Result<T, perp::error::PerpError> {
    fn or_perp(self) -> anyhow::Result<T> {
        self.map_err(|e| anyhow::anyhow!("{e:?}: {e}"))
    }
}

/// Runs one command for the session's wallet.
pub async fn run<C: Chain>(command: &Command, session: &mut Session<'_, C>) -> anyhow::Result<Output> {
    use commands::*;
    match command {
        Command::Markets { market } => markets::show(session, market.as_deref()).await,
        Command::Account { action: None } => account::show(session).await,
        Command::Account { action: Some(AccountAction::Create) } => account::create(session).await,
        Command::Account { action: Some(AccountAction::Close) } => account::close(session).await,
        Command::Deposit { amount, from } => collateral::deposit(session, *amount, *from).await,
        Command::Withdraw { amount, to } => collateral::withdraw(session, *amount, *to).await,
        Command::Order { market, side, size, price, order_type, reduce_only, client_id, slippage } => {
            let request = order::Request {
                market,
                side: *side,
                size: *size,
                price: *price,
                kind: *order_type,
                reduce_only: *reduce_only,
                client_id: *client_id,
                slippage: *slippage,
            };
            order::place(session, request).await
        }
        Command::Cancel { market, client_id, all: _ } => order::cancel(session, market, *client_id).await,
        Command::Positions => positions::show(session).await,
        Command::Funding { market } => funding::show(session, market.as_deref()).await,
        Command::Risk => risk::show(session).await,
        Command::History { limit } => history::show(session, *limit).await,
    }
}
