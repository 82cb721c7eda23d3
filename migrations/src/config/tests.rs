use super::*;

#[test]
fn the_default_config_parses_to_the_program_defaults() {
    let config = Config::localnet_default();
    assert_eq!(config.exchange.params(), ExchangeParams::default());
    assert_eq!(config.exchange.insurance_fund_units().unwrap(), 100_000 * 1_000_000);
}

#[test]
fn bad_configs_are_rejected_with_a_reason() {
    let err = Config::parse("[exchange]\ntaker_fee_ppm = 500\n").unwrap_err().to_string();
    assert!(err.contains("missing field"), "{err}");
    let text = include_str!("../../localnet.toml").replace("taker_fee_ppm = 500", "taker_fee_ppm = 20000");
    let err = Config::parse(&text).unwrap_err().to_string();
    assert!(err.contains("Fee exceeds"), "{err}");
    let text = include_str!("../../localnet.toml").replace("[exchange]", "[exchange]\nsurprise = 1");
    assert!(Config::parse(&text).unwrap_err().to_string().contains("unknown field"));
}

#[test]
fn markets_are_range_checked_at_parse_time() {
    let config = Config::localnet_default();
    assert_eq!(config.markets.len(), 2);
    let btc = config.markets[0].layout().unwrap();
    assert_eq!((btc.tick_size, btc.lot_size), (1_000_000, 1_000_000));
    let text = include_str!("../../localnet.toml").replacen("fill_band_ppm = 9500", "fill_band_ppm = 90000", 1);
    let err = Config::parse(&text).unwrap_err().to_string();
    assert!(err.contains("BTC-PERP") && err.contains("Fill band"), "{err}");
    let text = include_str!("../../localnet.toml").replace("symbol = \"SOL-PERP\"", "symbol = \"BTC-PERP\"");
    assert!(Config::parse(&text).unwrap_err().to_string().contains("appears twice"));
}
