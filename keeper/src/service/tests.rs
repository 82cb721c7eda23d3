use super::*;
use solana_sdk::signature::Keypair;

#[test]
fn monikers_and_urls() {
    assert_eq!(cluster_url("localhost"), "http://127.0.0.1:8899");
    assert_eq!(cluster_url("d"), "https://api.devnet.solana.com");
    assert_eq!(cluster_url("mainnet-beta"), "https://api.mainnet-beta.solana.com");
    assert_eq!(cluster_url("http://10.0.0.1:8899"), "http://10.0.0.1:8899");
}

#[test]
fn a_config_file_with_defaults_and_the_cli_config() {
    let dir = tempfile::tempdir().unwrap();
    let keypair = Keypair::new();
    let key_path = dir.path().join("id.json");
    std::fs::write(&key_path, serde_json::to_string(&keypair.to_bytes().to_vec()).unwrap()).unwrap();
    let config: KeeperConfig = toml::from_str(&format!(
        "url = \"devnet\"\nkeypair = {:?}\npriority_fee = 5000\n[intervals]\nliquidation = 1\n",
        key_path
    ))
    .unwrap();
    assert_eq!(config.intervals.liquidation, 1);
    assert_eq!(config.intervals.funding, Intervals::default().funding);
    let resolved = config.resolve(None, 0).unwrap();
    assert_eq!(resolved.url, "https://api.devnet.solana.com");
    assert_eq!(resolved.keeper.owner.pubkey(), keypair.pubkey());
    assert_eq!(resolved.keeper.settings.priority_fee, 5000);
    assert_eq!(resolved.keeper.budget_instructions().len(), 1, "a priority fee, no CU limit");
    // The Solana CLI's config fills what the file leaves out.
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".config/solana/cli")).unwrap();
    std::fs::write(
        home.join(".config/solana/cli/config.yml"),
        format!(
            "---\njson_rpc_url: \"http://127.0.0.1:9999\"\nkeypair_path: {}\ncommitment: confirmed\n",
            key_path.display()
        ),
    )
    .unwrap();
    let resolved = KeeperConfig::default().resolve(Some(&home), 0).unwrap();
    assert_eq!(resolved.url, "http://127.0.0.1:9999");
    assert_eq!(resolved.keeper.owner.pubkey(), keypair.pubkey());
}

#[test]
fn bad_configs_say_what_is_wrong() {
    let err = toml::from_str::<KeeperConfig>("url = 1").unwrap_err().to_string();
    assert!(err.contains("line 1"), "{err}");
    let err = toml::from_str::<KeeperConfig>("surprise = true").unwrap_err().to_string();
    assert!(err.contains("unknown field"), "{err}");
    let missing = KeeperConfig { keypair: Some("/nonexistent/id.json".into()), ..KeeperConfig::default() };
    let err = missing.resolve(None, 0).err().unwrap().to_string();
    assert!(err.contains("/nonexistent/id.json"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "[1, 2, 3]").unwrap();
    let err = read_keypair(&bad).err().unwrap().to_string();
    assert!(err.contains("bad.json"), "{err}");
    assert!(KeeperConfig::default().resolve(None, 0).err().unwrap().to_string().contains("no keypair"));
    let key = dir.path().join("id.json");
    std::fs::write(&key, serde_json::to_string(&Keypair::new().to_bytes().to_vec()).unwrap()).unwrap();
    let bad_market =
        KeeperConfig { keypair: Some(key.clone()), markets: Some(vec!["BTC".into()]), ..KeeperConfig::default() };
    let err = bad_market.resolve(None, 0).err().unwrap().to_string();
    assert!(err.contains("\"BTC\" is not a market address"), "{err}");
    let market = Pubkey::new_unique();
    let good = KeeperConfig { keypair: Some(key), markets: Some(vec![market.to_string()]), ..KeeperConfig::default() };
    assert_eq!(good.resolve(None, 0).unwrap().markets, Some(vec![market]));
}
