//! `perp`: the wallet command line. Solana CLI conventions: `--url`/`-u` (URL or moniker),
//! `--keypair`/`-k`, defaults from `~/.config/solana/cli/config.yml` when present. Bad input gets
//! one line naming it and a non-zero exit, and nothing is sent.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;
use perp_cli::{run, Cli, Session};
use perp_client::rpc::RpcChain;
use perp_client::solana_cli::{cluster_url, expand_home, read_keypair, solana_cli_defaults};

/// Where the Solana CLI keeps its default keypair.
const DEFAULT_KEYPAIR: &str = "~/.config/solana/id.json";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => e.exit(),
        Err(e) => {
            let rendered = e.render().to_string();
            eprintln!("{}", rendered.lines().next().unwrap_or("error: bad arguments"));
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .init();
    match execute(&cli).await {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let text = format!("{e:#}");
            eprintln!("error: {}", text.lines().collect::<Vec<_>>().join(" "));
            ExitCode::FAILURE
        }
    }
}

async fn execute(cli: &Cli) -> anyhow::Result<String> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let (config_url, config_keypair) = home.as_deref().map(solana_cli_defaults).unwrap_or((None, None));
    let url = cluster_url(cli.url.as_deref().or(config_url.as_deref()).unwrap_or("localhost"));
    let keypair_path = cli.keypair.clone().or(config_keypair).unwrap_or_else(|| PathBuf::from(DEFAULT_KEYPAIR));
    let wallet = read_keypair(&expand_home(&keypair_path, home.as_deref()))?;
    let mut chain = RpcChain::new(url.clone(), wallet.insecure_clone());
    // A node that does not answer is reported at once, not after the send retries.
    chain.rpc.get_version().await.map_err(|e| anyhow::anyhow!("RPC {url} does not answer: {e}"))?;
    let mut session = Session { chain: &mut chain, wallet: &wallet, sub_account: cli.sub_account };
    Ok(run(&cli.command, &mut session).await?.render(cli.output))
}
