//! `perp-keeper`: command line of the keeper bot and the embedded localnet.
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use perp_keeper::state_view::describe_exchange;
use perp_migrations::config::Config;
use perp_migrations::localnet::Localnet;

#[derive(Parser)]
#[command(name = "perp-keeper", version, about = "Keeper bot and localnet runner for the perp exchange")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the embedded localnet (in-process bank), bootstrap the exchange from a config, and
    /// print its state.
    Localnet {
        /// Bootstrap config (TOML); default: migrations/localnet.toml, built in.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,solana=warn,agave=warn")),
        )
        .init();
    match Cli::parse().command {
        Command::Localnet { config } => localnet(config).await,
    }
}

async fn localnet(config: Option<PathBuf>) -> anyhow::Result<()> {
    let config = match config {
        Some(path) => Config::load(&path)?,
        None => Config::localnet_default(),
    };
    tracing::info!("starting the in-process validator");
    let mut net = Localnet::start(&config).await?;
    let exchange = net.exchange().await?;
    let vault = net.token_balance(&exchange.vault).await?;
    let insurance = net.token_balance(&exchange.insurance_vault).await?;
    let slot = net.ctx.banks_client.get_root_slot().await?;
    tracing::info!(slot, "exchange bootstrapped");
    print!("{}", describe_exchange(&exchange, vault, insurance));
    Ok(())
}
