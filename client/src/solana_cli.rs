//! Solana CLI conventions shared by the keeper and the wallet CLI: cluster monikers, the CLI's
//! config file (`~/.config/solana/cli/config.yml`) for defaults, and keypair files.
use std::path::{Path, PathBuf};

use solana_sdk::signature::Keypair;

/// A Solana CLI moniker as its URL; anything else is taken as a URL.
pub fn cluster_url(url: &str) -> String {
    match url {
        "localhost" | "l" => "http://127.0.0.1:8899".into(),
        "devnet" | "d" => "https://api.devnet.solana.com".into(),
        "testnet" | "t" => "https://api.testnet.solana.com".into(),
        "mainnet-beta" | "m" => "https://api.mainnet-beta.solana.com".into(),
        other => other.into(),
    }
}

/// The Solana CLI's defaults (`~/.config/solana/cli/config.yml`): its URL and keypair path.
pub fn solana_cli_defaults(home: &Path) -> (Option<String>, Option<PathBuf>) {
    let Ok(text) = std::fs::read_to_string(home.join(".config/solana/cli/config.yml")) else { return (None, None) };
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
    };
    (value("json_rpc_url:"), value("keypair_path:").map(PathBuf::from))
}

/// Reads a Solana CLI keypair file.
pub fn read_keypair(path: &Path) -> anyhow::Result<Keypair> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("keypair {}: {e}", path.display()))?;
    let bytes: Vec<u8> = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("keypair {}: not a JSON array of bytes: {e}", path.display()))?;
    Keypair::try_from(bytes.as_slice()).map_err(|e| anyhow::anyhow!("keypair {}: {e}", path.display()))
}

/// `~/x` under `home`; any other path as it is.
pub fn expand_home(path: &Path, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}
