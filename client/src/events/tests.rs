use super::*;

#[test]
fn only_this_programs_frames_count() {
    let ours = perp::ID.to_string();
    let logs: Vec<String> = [
        format!("Program {ours} invoke [1]"),
        "Program log: Instruction: Deposit".to_string(),
        "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA invoke [2]".to_string(),
        "Program data: AAAA".to_string(), // logged by the token program: not ours
        "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA success".to_string(),
        "Program data: AQID".to_string(),
        "Program log: data: BAUG".to_string(),
        format!("Program {ours} consumed 100 of 200000 compute units"),
        format!("Program {ours} success"),
        "Program data: BwgJ".to_string(), // outside any frame
    ]
    .into_iter()
    .collect();
    assert_eq!(program_data(&logs), vec![vec![1, 2, 3], vec![4, 5, 6]]);
}

#[test]
fn every_event_of_the_program_is_named() {
    let source = include_str!("../../../programs/perp/src/events.rs");
    let mut declared: Vec<&str> = source
        .split("#[event]")
        .skip(1)
        .filter_map(|rest| rest.split("pub struct ").nth(1)?.split_whitespace().next())
        .collect();
    declared.sort_unstable();
    let mut named: Vec<&str> = EVENT_NAMES.to_vec();
    named.sort_unstable();
    assert_eq!(named, declared);
}

#[test]
fn history_names_each_event_with_its_fields() {
    use anchor_lang::Event;
    use base64::Engine;
    let deposited = perp::events::CollateralDeposited {
        trader: anchor_lang::prelude::Pubkey::new_from_array([7; 32]),
        amount: 5_000_000,
        collateral_after: 9_000_000,
    };
    let ours = perp::ID.to_string();
    let payload = base64::engine::general_purpose::STANDARD.encode(deposited.data());
    let logs = vec![
        format!("Program {ours} invoke [1]"),
        format!("Program data: {payload}"),
        "Program data: AAAAAAAAAAAA".to_string(), // no event of ours has this discriminator
        format!("Program {ours} success"),
    ];
    let events = all(&logs);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].name, "CollateralDeposited");
    assert_eq!(events[0].fields, format!("trader: {}, amount: 5000000, collateral_after: 9000000", deposited.trader));
}
