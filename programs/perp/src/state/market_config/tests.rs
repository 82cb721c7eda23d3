use super::*;
use crate::engine::test_market as tm;
use crate::error::PerpError;
use crate::math::margin::BracketParams;

/// Every range check of a market's layout and parameters, each at the value just past its
/// bound, with the error `create_market` and `update_market` return for it.
#[test]
fn each_range_check_has_its_error() {
    let oracle = Pubkey::new_unique();
    let base = || MarketConfig { oracle, ..tm::config() };
    let layout = || tm::layout(64, 16);
    let band =
        |initial_ppm, maintenance_ppm| vec![BracketParams { max_notional: u64::MAX, initial_ppm, maintenance_ppm }];
    // (what, layout, config, account size (unused here), error)
    type Case = (&'static str, MarketLayout, MarketConfig, Option<usize>, PerpError);
    let cases: Vec<Case> = vec![
        // Fill band: positive and at most the lowest bracket's initial - maintenance (10% - 5%).
        (
            "fill band 5% + 1 ppm",
            layout(),
            MarketConfig { fill_band_ppm: 50_001, ..base() },
            None,
            PerpError::InvalidFillBand,
        ),
        ("fill band 0", layout(), MarketConfig { fill_band_ppm: 0, ..base() }, None, PerpError::InvalidFillBand),
        // Issue #19 item 4, fees left out of the fill band: a maker filled at the band's edge
        // paid its fee below maintenance. Band + taker fee must fit the gap: 4.95% + 0.05% does,
        // 4.9501% + 0.05% does not.
        (
            "fill band + taker fee over the margin gap",
            layout(),
            MarketConfig { fill_band_ppm: 49_501, taker_fee_ppm: 500, ..base() },
            None,
            PerpError::InvalidFillBand,
        ),
        (
            "fill band over a tighter lowest bracket",
            layout(),
            MarketConfig { brackets: band(100_000, 80_000), fill_band_ppm: 20_001, ..base() },
            None,
            PerpError::InvalidFillBand,
        ),
        // Price band: (0, 100%).
        ("price band 0", layout(), MarketConfig { price_band_ppm: 0, ..base() }, None, PerpError::InvalidPriceBand),
        (
            "price band 100%",
            layout(),
            MarketConfig { price_band_ppm: 1_000_000, ..base() },
            None,
            PerpError::InvalidPriceBand,
        ),
        (
            "price band over 100%",
            layout(),
            MarketConfig { price_band_ppm: 2_000_000, ..base() },
            None,
            PerpError::InvalidPriceBand,
        ),
        // Fees: at most the program's cap (1%), maker at most taker.
        (
            "taker fee over the cap",
            layout(),
            MarketConfig { taker_fee_ppm: 10_001, ..base() },
            None,
            PerpError::FeeTooHigh,
        ),
        (
            "maker fee over the cap",
            layout(),
            MarketConfig { taker_fee_ppm: 10_000, maker_fee_ppm: 10_001, ..base() },
            None,
            PerpError::FeeTooHigh,
        ),
        (
            "maker fee above taker",
            layout(),
            MarketConfig { maker_fee_ppm: 501, ..base() },
            None,
            PerpError::MakerFeeAboveTaker,
        ),
        (
            "fee insurance share over 100%",
            layout(),
            MarketConfig { fee_insurance_share_ppm: 1_000_001, ..base() },
            None,
            PerpError::ShareTooHigh,
        ),
        // Liquidation penalty: positive and below the lowest maintenance ratio (5%).
        (
            "penalty = lowest maintenance",
            layout(),
            MarketConfig { liquidation_penalty_ppm: 50_000, ..base() },
            None,
            PerpError::PenaltyNotBelowMaintenance,
        ),
        (
            "penalty 0",
            layout(),
            MarketConfig { liquidation_penalty_ppm: 0, ..base() },
            None,
            PerpError::PenaltyNotBelowMaintenance,
        ),
        // Funding interval: 60 s to 8 h, dividing a day.
        (
            "interval not dividing a day",
            layout(),
            MarketConfig { funding_interval_secs: 7_000, ..base() },
            None,
            PerpError::InvalidFundingParams,
        ),
        (
            "interval below 60 s",
            layout(),
            MarketConfig { funding_interval_secs: 30, ..base() },
            None,
            PerpError::InvalidFundingParams,
        ),
        (
            "interval over 8 h",
            layout(),
            MarketConfig { funding_interval_secs: 43_200, ..base() },
            None,
            PerpError::InvalidFundingParams,
        ),
        ("funding cap 0", layout(), MarketConfig { funding_cap: 0, ..base() }, None, PerpError::InvalidFundingParams),
        // Issue #19 item 12, sane ranges: no single admin transaction switches a guard off.
        (
            "funding cap 2% + 1",
            layout(),
            MarketConfig { funding_cap: MAX_FUNDING_CAP + 1, ..base() },
            None,
            PerpError::InvalidFundingParams,
        ),
        (
            "funding interest 0.1% + 1 per 8 h",
            layout(),
            MarketConfig { funding_interest_8h: -(MAX_FUNDING_INTEREST_8H as i64) - 1, ..base() },
            None,
            PerpError::InvalidFundingParams,
        ),
        (
            "oracle max age an hour + 1 s",
            layout(),
            MarketConfig { oracle_max_age_secs: MAX_ORACLE_MAX_AGE_SECS + 1, ..base() },
            None,
            PerpError::InvalidOracleConfig,
        ),
        (
            "oracle confidence bound 5% + 1 ppm",
            layout(),
            MarketConfig { oracle_max_conf_ppm: MAX_ORACLE_CONF_PPM + 1, ..base() },
            None,
            PerpError::InvalidOracleConfig,
        ),
        (
            "price band 50% + 1 ppm",
            layout(),
            MarketConfig { price_band_ppm: MAX_PRICE_BAND_PPM + 1, ..base() },
            None,
            PerpError::InvalidPriceBand,
        ),
        // Limits: all positive.
        (
            "min order notional 0",
            layout(),
            MarketConfig { min_order_notional: 0, ..base() },
            None,
            PerpError::InvalidMarketLimits,
        ),
        (
            "open-interest cap 0",
            layout(),
            MarketConfig { max_open_interest_lots: 0, ..base() },
            None,
            PerpError::InvalidMarketLimits,
        ),
        ("seat deposit 0", layout(), MarketConfig { seat_deposit: 0, ..base() }, None, PerpError::InvalidMarketLimits),
        // Oracle guards.
        (
            "oracle max age 0",
            layout(),
            MarketConfig { oracle_max_age_secs: 0, ..base() },
            None,
            PerpError::InvalidOracleConfig,
        ),
        (
            "oracle confidence over 100%",
            layout(),
            MarketConfig { oracle_max_conf_ppm: 1_000_001, ..base() },
            None,
            PerpError::InvalidOracleConfig,
        ),
        // Brackets.
        ("no brackets", layout(), MarketConfig { brackets: vec![], ..base() }, None, PerpError::InvalidMarginBrackets),
        (
            "initial under 1% (over 100x)",
            layout(),
            MarketConfig { brackets: band(9_999, 5_000), ..base() },
            None,
            PerpError::InitialMarginOutOfRange,
        ),
        (
            "maintenance = initial",
            layout(),
            MarketConfig { brackets: band(100_000, 100_000), ..base() },
            None,
            PerpError::MaintenanceNotBelowInitial,
        ),
        // Layout: tick and lot.
        ("tick 0", MarketLayout { tick_size: 0, ..layout() }, base(), None, PerpError::InvalidTickOrLot),
        ("lot 0", MarketLayout { lot_size: 0, ..layout() }, base(), None, PerpError::InvalidTickOrLot),
        (
            "one lot at one tick below one token unit",
            MarketLayout { tick_size: 1, lot_size: 1, ..layout() },
            base(),
            None,
            PerpError::InvalidTickOrLot,
        ),
        // Layout: capacities.
        ("order capacity 0", MarketLayout { order_capacity: 0, ..layout() }, base(), None, PerpError::InvalidCapacity),
        ("seat capacity 0", MarketLayout { seat_capacity: 0, ..layout() }, base(), None, PerpError::InvalidCapacity),
        (
            "order capacity over 4,096",
            MarketLayout { order_capacity: 4_097, ..layout() },
            base(),
            None,
            PerpError::InvalidCapacity,
        ),
        (
            "seat capacity over 16,384",
            MarketLayout { seat_capacity: 16_385, ..layout() },
            base(),
            None,
            PerpError::InvalidCapacity,
        ),
        ("empty symbol", MarketLayout { symbol: [0; 16], ..layout() }, base(), None, PerpError::InvalidSymbol),
        // The account's size must match the layout exactly.
    ];
    for (what, layout, config, _, expected) in cases {
        let result = layout.validate().and_then(|_| config.validate().map(|_| ()));
        assert_eq!(result, Err(expected), "{what}");
    }
    // The defaults themselves pass.
    assert!(layout().validate().is_ok() && base().validate().is_ok());
}
