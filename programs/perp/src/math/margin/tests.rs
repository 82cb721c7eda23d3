use super::*;
use proptest::prelude::*;

/// `usdt` whole quote units in token units.
const fn q(usdt: u64) -> u64 {
    usdt * QUOTE_PRECISION
}

fn params(max_notional: u64, initial_ppm: u32, maintenance_ppm: u32) -> BracketParams {
    BracketParams { max_notional, initial_ppm, maintenance_ppm }
}

/// The BTCUSDT-style table from the brief.
fn btc() -> [BracketParams; 5] {
    [
        params(q(50_000), 10_000, 4_000),
        params(q(250_000), 20_000, 5_000),
        params(q(3_000_000), 40_000, 10_000),
        params(q(15_000_000), 50_000, 25_000),
        params(u64::MAX, 100_000, 50_000),
    ]
}

#[test]
fn btc_table_derives_binance_amounts() {
    let table = MarginBrackets::new(&btc()).unwrap();
    assert_eq!(table.count, 5);
    // Maintenance: 0; 50,000 x 0.1% = 50; 50 + 250,000 x 0.5% = 1,300;
    // 1,300 + 3,000,000 x 1.5% = 46,300; 46,300 + 15,000,000 x 2.5% = 421,300.
    let maintenance: Vec<u64> = table.bands.iter().take(5).map(|b| b.maintenance_amount).collect();
    assert_eq!(maintenance, [0, q(50), q(1_300), q(46_300), q(421_300)]);
    // Initial: 0; 50,000 x 1% = 500; 500 + 250,000 x 2% = 5,500;
    // 5,500 + 3,000,000 x 1% = 35,500; 35,500 + 15,000,000 x 5% = 785,500.
    let initial: Vec<u64> = table.bands.iter().take(5).map(|b| b.initial_amount).collect();
    assert_eq!(initial, [0, q(500), q(5_500), q(35_500), q(785_500)]);
    // Unused slots stay zeroed.
    assert!(table.bands.iter().skip(5).all(|b| *b == Bracket::default()));
    assert_eq!(table.lowest_initial_ppm(), 10_000);
    assert_eq!(table.lowest_maintenance_ppm(), 4_000);
}

#[test]
fn btc_table_requirements() {
    let table = MarginBrackets::new(&btc()).unwrap();
    let check = |usdt: u64, maintenance: u64, initial: u64| {
        assert_eq!(table.maintenance_requirement(q(usdt)).unwrap(), q(maintenance), "mm at {usdt}");
        assert_eq!(table.initial_requirement(q(usdt)).unwrap(), q(initial), "im at {usdt}");
    };
    check(0, 0, 0);
    // 50,000 (band 1): 50,000 x 0.4% = 200; 50,000 x 1% = 500.
    check(50_000, 200, 500);
    // 100,000 (band 2): 100,000 x 0.5% - 50 = 450; 100,000 x 2% - 500 = 1,500.
    check(100_000, 450, 1_500);
    // 1,000,000 (band 3): 10,000 - 1,300 = 8,700; 40,000 - 5,500 = 34,500.
    check(1_000_000, 8_700, 34_500);
    // 15,000,000 (band 4 cap): 375,000 - 46,300 = 328,700; 750,000 - 35,500 = 714,500.
    check(15_000_000, 328_700, 714_500);
    // 20,000,000 (band 5): 1,000,000 - 421,300 = 578,700; 2,000,000 - 785,500 = 1,214,500.
    check(20_000_000, 578_700, 1_214_500);
}

#[test]
fn btc_table_is_continuous_at_every_edge() {
    let table = MarginBrackets::new(&btc()).unwrap();
    for pair in table.bands.windows(2).take(4) {
        let (below, above) = (&pair[0], &pair[1]);
        let cap = below.max_notional;
        assert_eq!(table.band(cap).unwrap(), below);
        assert_eq!(table.band(cap + 1).unwrap(), above);
        let mm = table.maintenance_requirement(cap).unwrap();
        let im = table.initial_requirement(cap).unwrap();
        // The band above's formula gives the same value at the cap.
        assert_eq!(requirement(cap, above.maintenance_ppm, above.maintenance_amount).unwrap(), mm);
        assert_eq!(requirement(cap, above.initial_ppm, above.initial_amount).unwrap(), im);
        // One more token unit adds at most ceil(ratio x 1 unit) = 1 unit.
        let mm_step = table.maintenance_requirement(cap + 1).unwrap() - mm;
        let im_step = table.initial_requirement(cap + 1).unwrap() - im;
        assert!(mm_step <= 1 && im_step <= 1, "steps {mm_step} {im_step} at {cap}");
    }
}

#[test]
fn fractional_requirements_round_up() {
    let table = MarginBrackets::new(&btc()).unwrap();
    // 1 token unit: 1 x 0.4% = 0.004 -> 1; 1 x 1% = 0.01 -> 1.
    assert_eq!(table.maintenance_requirement(1).unwrap(), 1);
    assert_eq!(table.initial_requirement(1).unwrap(), 1);
    // 100,000.000001 USDT: 100,000,000,001 x 5,000 / 1e6 = 500,000,000.005 -> 500,000,001,
    // minus 50,000,000 = 450,000,001; initial 2,000,000,000.02 -> 2,000,000,001 - 500,000,000.
    assert_eq!(table.maintenance_requirement(q(100_000) + 1).unwrap(), 450_000_001);
    assert_eq!(table.initial_requirement(q(100_000) + 1).unwrap(), 1_500_000_001);
    // 250 token units at 0.4% = exactly 1: no rounding.
    assert_eq!(table.maintenance_requirement(250).unwrap(), 1);
    assert_eq!(table.maintenance_requirement(251).unwrap(), 2);
}

#[test]
fn initial_ratio_range_boundaries() {
    assert!(MarginBrackets::single(10_000, 9_999).is_ok());
    assert_eq!(MarginBrackets::single(9_999, 5_000), Err(PerpError::InitialMarginOutOfRange));
    assert!(MarginBrackets::single(1_000_000, 999_999).is_ok());
    assert_eq!(MarginBrackets::single(1_000_001, 5_000), Err(PerpError::InitialMarginOutOfRange));
    // The rule applies to every band, not only the first.
    let mut p = btc();
    p[4].initial_ppm = 1_000_001;
    assert_eq!(MarginBrackets::new(&p), Err(PerpError::InitialMarginOutOfRange));
}

#[test]
fn maintenance_must_be_positive_and_below_initial() {
    assert_eq!(MarginBrackets::single(50_000, 50_000), Err(PerpError::MaintenanceNotBelowInitial));
    assert_eq!(MarginBrackets::single(50_000, 50_001), Err(PerpError::MaintenanceNotBelowInitial));
    assert_eq!(MarginBrackets::single(50_000, 0), Err(PerpError::MaintenanceNotBelowInitial));
    assert!(MarginBrackets::single(50_000, 49_999).is_ok());
    assert!(MarginBrackets::single(50_000, 1).is_ok());
    let mut p = btc();
    p[2].maintenance_ppm = p[2].initial_ppm;
    assert_eq!(MarginBrackets::new(&p), Err(PerpError::MaintenanceNotBelowInitial));
}

#[test]
fn ratios_must_not_decrease() {
    let mut p = btc();
    p[3].initial_ppm = 39_999; // band 3 has 40,000
    assert_eq!(MarginBrackets::new(&p), Err(PerpError::InvalidMarginBrackets));
    let mut p = btc();
    p[2].maintenance_ppm = 4_999; // band 2 has 5,000
    assert_eq!(MarginBrackets::new(&p), Err(PerpError::InvalidMarginBrackets));
    // Equal ratios in consecutive bands are accepted (amounts stay unchanged).
    let mut p = btc();
    p[1].initial_ppm = 10_000;
    p[1].maintenance_ppm = 4_000;
    let table = MarginBrackets::new(&p).unwrap();
    assert_eq!((table.bands[1].initial_amount, table.bands[1].maintenance_amount), (0, 0));
}

#[test]
fn caps_must_strictly_increase_and_be_whole_quote_units() {
    let mut p = btc();
    p[1].max_notional = p[0].max_notional; // equal
    assert_eq!(MarginBrackets::new(&p), Err(PerpError::InvalidMarginBrackets));
    let mut p = btc();
    p[2].max_notional = q(40_000); // below band 1
    assert_eq!(MarginBrackets::new(&p), Err(PerpError::InvalidMarginBrackets));
    let mut p = btc();
    p[0].max_notional = 0;
    assert_eq!(MarginBrackets::new(&p), Err(PerpError::InvalidMarginBrackets));
    assert_eq!(MarginBrackets::new(&[params(0, 20_000, 10_000)]), Err(PerpError::InvalidMarginBrackets));
    // A non-whole cap below the last is rejected...
    let mut p = btc();
    p[1].max_notional = q(250_000) + 1;
    assert_eq!(MarginBrackets::new(&p), Err(PerpError::InvalidMarginBrackets));
    // ...the last band is exempt.
    let mut p = btc();
    p[4].max_notional = q(15_000_000) + 1;
    let table = MarginBrackets::new(&p).unwrap();
    assert_eq!(table.band(u64::MAX).unwrap(), &table.bands[4]);
    assert!(MarginBrackets::new(&[params(1, 20_000, 10_000)]).is_ok());
}

#[test]
fn band_count_limits() {
    assert_eq!(MarginBrackets::new(&[]), Err(PerpError::InvalidMarginBrackets));
    let eight: Vec<BracketParams> = (1..=8).map(|i| params(q(i * 1_000), 20_000, 10_000)).collect();
    assert_eq!(MarginBrackets::new(&eight).unwrap().count, 8);
    let nine: Vec<BracketParams> = (1..=9).map(|i| params(q(i * 1_000), 20_000, 10_000)).collect();
    assert_eq!(MarginBrackets::new(&nine), Err(PerpError::InvalidMarginBrackets));
}

#[test]
fn corrupt_tables_are_rejected_not_panicked_on() {
    let zeroed = MarginBrackets::default();
    assert_eq!(zeroed.band(1), Err(PerpError::InvalidMarginBrackets));
    assert_eq!(zeroed.maintenance_requirement(1), Err(PerpError::InvalidMarginBrackets));
    let mut nine = MarginBrackets::new(&btc()).unwrap();
    nine.count = 9;
    assert_eq!(nine.initial_requirement(1), Err(PerpError::InvalidMarginBrackets));
    nine.count = u64::MAX;
    assert_eq!(nine.band(1), Err(PerpError::InvalidMarginBrackets));
    // An amount larger than notional x ratio cannot underflow silently.
    let mut bad = MarginBrackets::single(20_000, 10_000).unwrap();
    bad.bands[0].maintenance_amount = 1;
    assert_eq!(bad.maintenance_requirement(0), Err(PerpError::MathOverflow));
}

#[test]
fn max_notional_does_not_panic() {
    let table = MarginBrackets::new(&btc()).unwrap();
    // ceil(u64::MAX x 50,000 / 1e6) - 421,300 quote units, checked in u128.
    let n = u128::from(u64::MAX);
    let expected_mm = (n * 50_000).div_ceil(1_000_000) - u128::from(q(421_300));
    let expected_im = (n * 100_000).div_ceil(1_000_000) - u128::from(q(785_500));
    assert_eq!(u128::from(table.maintenance_requirement(u64::MAX).unwrap()), expected_mm);
    assert_eq!(u128::from(table.initial_requirement(u64::MAX).unwrap()), expected_im);
    // At 100% the requirement is the whole notional, which still fits.
    let full = MarginBrackets::single(1_000_000, 999_999).unwrap();
    assert_eq!(full.initial_requirement(u64::MAX).unwrap(), u64::MAX);
    assert_eq!(full.maintenance_requirement(u64::MAX).unwrap(), (n * 999_999).div_ceil(1_000_000) as u64);
}

/// Random valid tables: 1..=8 bands, whole-quote caps, non-decreasing ratios with
/// maintenance below initial; the last cap is whole, unbounded, or an arbitrary larger value.
fn valid_table() -> impl Strategy<Value = Vec<BracketParams>> {
    (
        10_000u32..=1_000_000,
        proptest::collection::vec((1u64..=20_000_000, 0u32..=200_000, any::<u32>()), 1..=MAX_BRACKETS),
        0u8..3,
        any::<u64>(),
    )
        .prop_map(|(first_initial, bands, last_kind, last_raw)| {
            let mut out: Vec<BracketParams> = Vec::new();
            let (mut cap, mut initial, mut maintenance) = (0u64, first_initial, 0u32);
            for (index, &(cap_step, initial_step, maintenance_raw)) in bands.iter().enumerate() {
                let below_cap = cap;
                cap += q(cap_step);
                if index > 0 {
                    initial = (initial + initial_step).min(1_000_000);
                }
                let floor = maintenance.max(1);
                maintenance = floor + maintenance_raw % (initial - floor);
                if index + 1 == bands.len() {
                    cap = match last_kind {
                        0 => cap,
                        1 => u64::MAX,
                        _ => below_cap + 1 + last_raw % 50_000_000_000_000,
                    };
                }
                out.push(params(cap, initial, maintenance));
            }
            out
        })
}

/// Independent oracle: the requirement as a tiered sum, each slice of notional at its band's
/// ratio, rounded up once.
fn tiered(p: &[BracketParams], notional: u64, maintenance: bool) -> u64 {
    let (mut lower, mut total) = (0u128, 0u128);
    for (index, band) in p.iter().enumerate() {
        let upper = if index + 1 == p.len() { u128::from(u64::MAX) } else { u128::from(band.max_notional) };
        let slice = u128::from(notional).min(upper).saturating_sub(lower);
        let ratio = if maintenance { band.maintenance_ppm } else { band.initial_ppm };
        total += slice * u128::from(ratio);
        lower = upper;
    }
    total.div_ceil(1_000_000) as u64
}

fn any_notional() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..=200_000_000_000_000, any::<u64>()]
}

proptest! {
    #[test]
    fn requirements_are_monotone_continuous_and_ordered(
        p in valid_table(),
        a in any_notional(),
        b in any_notional(),
    ) {
        let table = MarginBrackets::new(&p).unwrap();
        prop_assert_eq!(table.count as usize, p.len());
        let (low, high) = (a.min(b), a.max(b));
        for n in [low, high] {
            let mm = table.maintenance_requirement(n).unwrap();
            let im = table.initial_requirement(n).unwrap();
            prop_assert!(mm <= im, "mm {} > im {} at {}", mm, im, n);
            prop_assert_eq!(mm, tiered(&p, n, true));
            prop_assert_eq!(im, tiered(&p, n, false));
        }
        prop_assert!(table.maintenance_requirement(low).unwrap() <= table.maintenance_requirement(high).unwrap());
        prop_assert!(table.initial_requirement(low).unwrap() <= table.initial_requirement(high).unwrap());

        for pair in table.bands[..p.len()].windows(2) {
            let (below, above) = (&pair[0], &pair[1]);
            let cap = below.max_notional;
            prop_assert_eq!(table.band(cap).unwrap(), below);
            prop_assert_eq!(table.band(cap + 1).unwrap(), above);
            let mm = table.maintenance_requirement(cap).unwrap();
            let im = table.initial_requirement(cap).unwrap();
            prop_assert_eq!(requirement(cap, above.maintenance_ppm, above.maintenance_amount).unwrap(), mm);
            prop_assert_eq!(requirement(cap, above.initial_ppm, above.initial_amount).unwrap(), im);
            prop_assert!(table.maintenance_requirement(cap + 1).unwrap() - mm <= 1);
            prop_assert!(table.initial_requirement(cap + 1).unwrap() - im <= 1);
        }
    }
}
