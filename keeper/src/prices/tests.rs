use super::*;

#[test]
fn a_path_interpolates_between_points_and_holds_at_the_ends() {
    let text = "# crash\n0 BTC-PERP 90000\n600 BTC-PERP 67500 # -25%\n\n900 BTC-PERP 70000.5\n";
    let path = PricePath::parse(text, 1_000).unwrap();
    assert_eq!(path.price_at("BTC-PERP", 900), Some(90_000_000_000), "before the first point");
    assert_eq!(path.price_at("BTC-PERP", 1_000), Some(90_000_000_000));
    assert_eq!(path.price_at("BTC-PERP", 1_300), Some(78_750_000_000), "halfway down");
    assert_eq!(path.price_at("BTC-PERP", 1_600), Some(67_500_000_000));
    assert_eq!(path.price_at("BTC-PERP", 5_000), Some(70_000_500_000), "after the last");
    assert_eq!(path.price_at("ETH-PERP", 1_000), None);
}

#[test]
fn a_bad_path_names_its_line() {
    let err = PricePath::parse("0 BTC-PERP 1\n10 BTC-PERP\n", 0).unwrap_err().to_string();
    assert!(err.starts_with("line 2:"), "{err}");
    let err = PricePath::parse("0 BTC-PERP 1\n0 BTC-PERP 2\n", 0).unwrap_err().to_string();
    assert!(err.contains("line 2") && err.contains("increase"), "{err}");
    let err = PricePath::parse("0 BTC-PERP 1.0000001\n", 0).unwrap_err().to_string();
    assert!(err.contains("line 1") && err.contains("decimal places"), "{err}");
    assert!(PricePath::parse("0 BTC-PERP 0\n", 0).unwrap_err().to_string().contains("positive"));
}
