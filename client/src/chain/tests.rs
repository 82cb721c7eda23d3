use super::*;
use perp::error::PerpError;

#[test]
fn every_program_error_maps_back_from_its_code() {
    for (index, error) in PERP_ERRORS.iter().enumerate() {
        let code = u32::from(*error);
        assert_eq!(code, anchor_lang::error::ERROR_CODE_OFFSET + index as u32, "{error:?} out of order");
        assert_eq!(perp_error(code), Some(*error));
    }
    // The list is complete: the code after the last is no program error.
    let next = anchor_lang::error::ERROR_CODE_OFFSET + PERP_ERRORS.len() as u32;
    assert_eq!(perp_error(next), None);
    assert_eq!(perp_error(0), None, "below Anchor's offset");
}

#[test]
fn a_rejection_names_the_program_error() {
    use solana_sdk::instruction::InstructionError;
    let code = u32::from(PerpError::NotLiquidatable);
    let rejected = Rejected(TransactionError::InstructionError(1, InstructionError::Custom(code)));
    let error = anyhow::Error::new(rejected.clone());
    assert_eq!(error_of(&error), Some(PerpError::NotLiquidatable));
    assert!(error.to_string().contains("NotLiquidatable"), "{error}");
    assert_eq!(error_of(&anyhow::anyhow!("the node is down")), None);
    let other = Rejected(TransactionError::AccountNotFound);
    assert_eq!(other.custom_code(), None);
}

#[test]
fn filters_check_size_and_bytes() {
    let filter = AccountFilter { data_size: Some(4), offset: 1, bytes: vec![7, 8] };
    assert!(filter.matches(&[0, 7, 8, 9]));
    assert!(!filter.matches(&[0, 7, 8]), "size");
    assert!(!filter.matches(&[0, 7, 9, 9]), "bytes");
    let any_size = AccountFilter { data_size: None, offset: 0, bytes: vec![1] };
    assert!(any_size.matches(&[1]) && any_size.matches(&[1, 2, 3]) && !any_size.matches(&[]));
}
