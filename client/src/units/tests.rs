use super::*;
use std::str::FromStr;

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

#[test]
fn fixed_point_renders_exactly() {
    assert_eq!(text(quote(4_300_000)), "4.3");
    assert_eq!(text(quote(-900_000)), "-0.9");
    assert_eq!(text(quote_u(1)), "0.000001");
    assert_eq!(text(price(86_000_000_000)), "86000");
    assert_eq!(text(base(100, 1_000_000)), "0.1");
    assert_eq!(text(rate(100_000)), "0.0001");
    assert_eq!(text(ratio(50_000)), "0.05");
}

#[test]
fn human_values_parse_exactly_or_not_at_all() {
    assert_eq!(quote_units(d("8595.7"), "x").unwrap(), 8_595_700_000);
    assert_eq!(price_units(d("86000"), "x").unwrap(), 86_000_000_000);
    assert_eq!(ppm_units(d("0.0005"), "x").unwrap(), 500);
    assert_eq!(rate_units(d("0.0075"), "x").unwrap(), 7_500_000);
    assert_eq!(lots(d("0.1"), 1_000_000, "size").unwrap(), 100);
    let err = lots(d("0.0005"), 1_000_000, "size").unwrap_err().to_string();
    assert!(err.contains("lot size 0.001"), "{err}");
    let err = quote_units(d("0.0000001"), "amount").unwrap_err().to_string();
    assert!(err.contains("more than 6 decimal places"), "{err}");
    assert!(quote_units(d("-1"), "amount").unwrap_err().to_string().contains("negative"));
    assert!(quote_units(d("99999999999999999999999"), "amount").is_err(), "too large");
}
