use super::*;

const TOY: &str = include_str!("../../../scenarios/toy-trade.toml");

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

#[test]
fn the_toy_trade_parses_exactly() {
    let s = Scenario::parse(TOY).unwrap();
    assert_eq!(s.name, "seed toy trade");
    assert_eq!(s.start_time, DEFAULT_START_TIME);
    assert_eq!(s.keeper_deposit, d("1000000"));
    assert_eq!(
        s.traders,
        vec![
            TraderSpec { name: "maker".into(), deposit: d("100000") },
            TraderSpec { name: "retail".into(), deposit: d("8600") },
        ]
    );
    assert_eq!(s.steps.len(), 5);
    let Action::Order { size, price, order_type, client_id, .. } = &s.steps[0].action else { panic!() };
    assert_eq!((*size, *price, *order_type, *client_id), (d("0.1"), Some(d("86000")), OrderType::Limit, 1));
    let Action::Order { worst_price, order_type, .. } = &s.steps[1].action else { panic!() };
    assert_eq!((*worst_price, *order_type), (Some(d("87000")), OrderType::Market));
    assert_eq!(s.steps[3].action, Action::Advance { seconds: 28_800 });
    assert_eq!(s.steps[4].action, Action::Crank { cranks: Crank::ALL.to_vec() });
    // Step tables know their lines.
    assert!(TOY.lines().nth(s.steps[0].line - 1).unwrap().contains("[[step]]") || s.steps[0].line > 30);
    let (layout, config, price) = s.markets[0].to_program().unwrap();
    assert_eq!((layout.tick_size, layout.lot_size, price), (1_000_000, 1_000_000, 86_000_000_000));
    assert_eq!((config.taker_fee_ppm, config.maker_fee_ppm), (500, 200));
    assert_eq!((config.brackets[0].initial_ppm, config.brackets[0].maintenance_ppm), (100_000, 50_000));
    assert_eq!(config.funding_interval_secs, 28_800);
    assert_eq!((config.funding_cap, config.funding_interest_8h), (7_500_000, 100_000));
    // Defaults: fill band = initial - maintenance less the taker fee; the least minimum
    // notional the walk allows.
    assert_eq!(config.fill_band_ppm, 49_500);
    assert_eq!(config.min_order_notional, 62_500_000);
    assert_eq!(config.oracle_max_age_secs, 60);
}

#[test]
fn floats_are_read_through_their_shortest_text() {
    let text =
        TOY.replace("lot_size = 0.001", "lot_size = 0.1").replace("taker_fee = 0.0005", "taker_fee = \"0.0005\"");
    let s = Scenario::parse(&text).unwrap();
    assert_eq!(s.markets[0].lot_size.0, d("0.1"), "0.1 is not 0.1000000000000000055...");
    assert_eq!(s.markets[0].taker_fee.0, d("0.0005"));
}

fn error_of(text: &str) -> String {
    Scenario::parse(text).unwrap_err().to_string()
}

#[test]
fn unknown_names_stop_the_run_naming_the_line() {
    let text = TOY.replacen("trader = \"retail\"", "trader = \"nobody\"", 1);
    let line = text.lines().position(|l| l.contains("nobody")).unwrap() + 1;
    let err = error_of(&text);
    assert!(err.contains("unknown trader \"nobody\""), "{err}");
    let named: usize = err.trim_start_matches("line ").split(':').next().unwrap().parse().unwrap();
    assert!(named <= line && line - named < 12, "line {named} for the step at {line}: {err}");
    let err =
        error_of(&TOY.replacen("market = \"BTC-PERP\"\nside = \"buy\"", "market = \"DOGE-PERP\"\nside = \"buy\"", 1));
    assert!(err.starts_with("line ") && err.contains("unknown market \"DOGE-PERP\""), "{err}");
    let err = error_of(&TOY.replace("action = \"advance\"", "action = \"teleport\""));
    assert!(err.contains("unknown action \"teleport\""), "{err}");
    let err = error_of(&TOY.replace("seconds = 28800", "seconds = 28800\nminutes = 3"));
    assert!(err.contains("unknown key \"minutes\""), "{err}");
    let err = error_of(&TOY.replace("what = \"all\"", "what = \"everything\""));
    assert!(err.contains("what \"everything\""), "{err}");
}

#[test]
fn files_that_do_not_parse_name_the_line() {
    let err = error_of(&TOY.replace("size = 0.1\nprice = 86000", "size = 0.1\nprice = [1, 2]"));
    assert!(err.contains("line ") && err.contains("not a number"), "{err}");
    let err = error_of(&TOY.replace("name = \"seed toy trade\"", "name = "));
    assert!(err.contains("line 3"), "{err}");
    let err = error_of(&TOY.replace("funding_interval = \"8h\"", "funding_interval = \"7x\""));
    assert!(err.contains("market BTC-PERP") && err.contains("funding_interval"), "{err}");
    let err = error_of(&TOY.replace("maintenance_margin = 0.05", "maintenance_margin = 0.2"));
    assert!(err.contains("MaintenanceNotBelowInitial") || err.contains("Margin"), "{err}");
    let err = error_of(&format!("{TOY}\n[[trader]]\nname = \"keeper\"\ndeposit = 1\n"));
    assert!(err.contains("appears twice"), "{err}");
}

#[test]
fn values_the_program_cannot_take_still_parse() {
    // Negative or off-lot values are the run's to reject (recorded), not the parser's.
    let s = Scenario::parse(&TOY.replace("size = 0.1\nprice = 86000", "size = -0.0005\nprice = 86000")).unwrap();
    let Action::Order { size, .. } = &s.steps[0].action else { panic!() };
    assert_eq!(*size, d("-0.0005"));
}

#[test]
fn intervals_read_as_seconds() {
    assert_eq!(parse_interval("60s").unwrap(), 60);
    assert_eq!(parse_interval("1m").unwrap(), 60);
    assert_eq!(parse_interval("15m").unwrap(), 900);
    assert_eq!(parse_interval("8h").unwrap(), 28_800);
    assert!(parse_interval("8d").is_err() && parse_interval("h").is_err());
}
