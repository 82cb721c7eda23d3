use super::*;
use crate::engine::test_market as tm;
use crate::math::margin::BracketParams;
use anchor_lang::prelude::Pubkey;

fn header_of(config: &MarketConfig) -> MarketHeader {
    let mut header: MarketHeader = bytemuck::Zeroable::zeroed();
    config.apply(&mut header).unwrap();
    header
}

/// Room on both sides of every parameter the rule compares.
fn base() -> MarketConfig {
    MarketConfig {
        oracle: Pubkey::new_unique(),
        fill_band_ppm: 45_000,
        seat_deposit: 2 * crate::math::QUOTE_PRECISION,
        fee_insurance_share_ppm: 100_000,
        insurance_cap_per_event: 1_000 * crate::math::QUOTE_PRECISION,
        ..tm::config()
    }
}

/// Each parameter against the rule table in the module's docs: the direction that can hurt open
/// positions needs the timelock, the other applies at once.
#[test]
fn each_parameter_has_its_direction() {
    let old = base();
    let header = header_of(&old);
    let at_once: Vec<(&str, MarketConfig)> = vec![
        ("unchanged", old.clone()),
        ("taker fee down", MarketConfig { taker_fee_ppm: old.taker_fee_ppm - 1, ..old.clone() }),
        ("maker fee down", MarketConfig { maker_fee_ppm: old.maker_fee_ppm - 1, ..old.clone() }),
        ("penalty down", MarketConfig { liquidation_penalty_ppm: old.liquidation_penalty_ppm - 1, ..old.clone() }),
        ("buffer down", MarketConfig { liquidation_buffer_ppm: old.liquidation_buffer_ppm - 1, ..old.clone() }),
        ("funding cap down", MarketConfig { funding_cap: old.funding_cap - 1, ..old.clone() }),
        ("minimum order down", MarketConfig { min_order_notional: old.min_order_notional - 1, ..old.clone() }),
        ("seat deposit down", MarketConfig { seat_deposit: old.min_order_notional, ..old.clone() }),
        ("open-interest cap down", MarketConfig { max_open_interest_lots: 1, ..old.clone() }),
        ("fee share to insurance up", MarketConfig { fee_insurance_share_ppm: 1_000_000, ..old.clone() }),
        ("penalty share to insurance up", MarketConfig { liquidation_insurance_share_ppm: 1_000_000, ..old.clone() }),
        ("insurance cap up", MarketConfig { insurance_cap_per_event: old.insurance_cap_per_event + 1, ..old.clone() }),
        ("insurance cap removed", MarketConfig { insurance_cap_per_event: 0, ..old.clone() }),
    ];
    for (what, config) in at_once {
        assert_eq!(timelocked_change(&header, &config), Ok(None), "{what}");
    }
    let band =
        |initial_ppm, maintenance_ppm| vec![BracketParams { max_notional: u64::MAX, initial_ppm, maintenance_ppm }];
    let timelocked: Vec<(&str, MarketConfig)> = vec![
        ("oracle", MarketConfig { oracle: Pubkey::new_unique(), ..old.clone() }),
        ("oracle_max_age_secs", MarketConfig { oracle_max_age_secs: old.oracle_max_age_secs - 1, ..old.clone() }),
        ("oracle_max_conf_ppm", MarketConfig { oracle_max_conf_ppm: old.oracle_max_conf_ppm + 1, ..old.clone() }),
        ("brackets", MarketConfig { brackets: band(120_000, 60_000), ..old.clone() }),
        ("brackets", MarketConfig { brackets: band(90_000, 45_000), fill_band_ppm: 40_000, ..old.clone() }),
        ("price_band_ppm", MarketConfig { price_band_ppm: old.price_band_ppm - 1, ..old.clone() }),
        ("fill_band_ppm", MarketConfig { fill_band_ppm: old.fill_band_ppm - 1, ..old.clone() }),
        ("funding_interval_secs", MarketConfig { funding_interval_secs: 1_800, ..old.clone() }),
        ("funding_interest_8h", MarketConfig { funding_interest_8h: 0, ..old.clone() }),
        (
            "funding_impact_notional",
            MarketConfig { funding_impact_notional: old.funding_impact_notional - 1, ..old.clone() },
        ),
        ("taker_fee_ppm", MarketConfig { taker_fee_ppm: old.taker_fee_ppm + 1, ..old.clone() }),
        ("maker_fee_ppm", MarketConfig { maker_fee_ppm: old.maker_fee_ppm + 1, ..old.clone() }),
        (
            "liquidation_penalty_ppm",
            MarketConfig { liquidation_penalty_ppm: old.liquidation_penalty_ppm + 1, ..old.clone() },
        ),
        (
            "liquidation_buffer_ppm",
            MarketConfig { liquidation_buffer_ppm: old.liquidation_buffer_ppm + 1, ..old.clone() },
        ),
        ("funding_cap", MarketConfig { funding_cap: old.funding_cap + 1, ..old.clone() }),
        ("min_order_notional", MarketConfig { min_order_notional: old.min_order_notional + 1, ..old.clone() }),
        ("seat_deposit", MarketConfig { seat_deposit: old.seat_deposit + 1, ..old.clone() }),
        (
            "max_open_interest_lots",
            MarketConfig { max_open_interest_lots: old.max_open_interest_lots + 1, ..old.clone() },
        ),
        ("fee_insurance_share_ppm", MarketConfig { fee_insurance_share_ppm: 0, ..old.clone() }),
        ("liquidation_insurance_share_ppm", MarketConfig { liquidation_insurance_share_ppm: 0, ..old.clone() }),
        (
            "insurance_cap_per_event",
            MarketConfig { insurance_cap_per_event: old.insurance_cap_per_event - 1, ..old.clone() },
        ),
    ];
    for (what, config) in timelocked {
        assert_eq!(timelocked_change(&header, &config), Ok(Some(what)), "{what}");
    }
}

#[test]
fn a_cap_set_where_there_was_none_is_timelocked() {
    let old = MarketConfig { insurance_cap_per_event: 0, ..base() };
    assert_eq!(old.insurance_cap_per_event, 0);
    let header = header_of(&old);
    let capped = MarketConfig { insurance_cap_per_event: 1, ..old.clone() };
    assert_eq!(timelocked_change(&header, &capped), Ok(Some("insurance_cap_per_event")));
}

#[test]
fn invalid_parameters_are_refused_before_the_rule() {
    let old = base();
    let header = header_of(&old);
    let bad = MarketConfig { oracle_max_age_secs: 0, ..old };
    assert_eq!(timelocked_change(&header, &bad), Err(PerpError::InvalidOracleConfig));
}

#[test]
fn applying_a_new_oracle_resets_its_clock() {
    let old = base();
    let mut header = header_of(&old);
    header.oracle_publish_time = 1_000;
    header.funding_interval_start = interval_start(1_000, old.funding_interval_secs).unwrap();
    apply_market_config(&mut header, &old, MarketStatus::ReduceOnly, 1_000).unwrap();
    assert_eq!((header.oracle_publish_time, header.status), (1_000, MarketStatus::ReduceOnly as u8));
    let moved = MarketConfig { oracle: Pubkey::new_unique(), ..old };
    apply_market_config(&mut header, &moved, MarketStatus::Active, 1_000).unwrap();
    assert_eq!((header.oracle, header.oracle_publish_time), (moved.oracle, 0));
}
