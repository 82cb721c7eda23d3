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
