//! State transitions over loaded accounts. Handlers validate accounts and call these; these
//! never touch `AccountInfo`s and are tested on in-memory structs.
pub mod account;
pub mod collateral;
pub mod funding;
pub mod orders;
#[cfg(any(test, feature = "test-support"))]
pub mod test_market;
pub mod trade;
