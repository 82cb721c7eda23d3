use super::*;

#[test]
fn utc_dates_are_civil() {
    assert_eq!(utc(0), "1970-01-01 00:00:00");
    // The Pyth fixture's publish time (../shared/fixtures/README.md).
    assert_eq!(utc(1_720_533_480), "2024-07-09 13:58:00");
    assert_eq!(utc(951_782_400), "2000-02-29 00:00:00");
    assert_eq!(utc(-1), "1969-12-31 23:59:59");
}
