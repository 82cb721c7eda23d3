use super::*;

#[test]
fn tables_align_numbers_right() {
    let rows = vec![vec!["BTC-PERP".to_string(), "90000".to_string()], vec!["SOL".to_string(), "150.5".to_string()]];
    assert_eq!(table(&["market", "price"], &rows), "market    price\nBTC-PERP  90000\nSOL       150.5\n");
}

#[test]
fn json_is_one_document() {
    let output = Output { text: "x\n".into(), json: serde_json::json!({"a": 1}) };
    assert_eq!(output.render(Format::Json), "{\n  \"a\": 1\n}\n");
    assert_eq!(output.render(Format::Table), "x\n");
}
