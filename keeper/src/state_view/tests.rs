use super::*;

#[test]
fn quote_and_percent_render_exactly() {
    assert_eq!(quote(0), "0");
    assert_eq!(quote(4_300_000), "4.3");
    assert_eq!(quote(1_720_000), "1.72");
    assert_eq!(quote(1), "0.000001");
    assert_eq!(quote(100_000_000_000), "100000");
    assert_eq!(percent(500), "0.05%");
    assert_eq!(percent(10_000), "1%");
    assert_eq!(percent(500_000), "50%");
    assert_eq!(percent(1), "0.0001%");
    assert_eq!(rate_percent(7_500_000), "0.75000%");
    assert_eq!(rate_percent(-4_500_000), "-0.45000%");
    assert_eq!(rate_percent(100_000), "0.01000%");
    assert_eq!(rate_percent(12_500), "0.00125%");
}
