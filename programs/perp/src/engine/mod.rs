//! State transitions over loaded accounts. Handlers validate accounts and call these; these
//! never touch `AccountInfo`s and are tested on in-memory structs.
pub mod account;
pub mod adl;
pub mod bankruptcy;
pub mod collateral;
pub mod funding;
pub mod liquidation;
pub mod market_admin;
pub mod order_types;
pub mod orders;
#[cfg(any(test, feature = "test-support"))]
pub mod test_market;
#[cfg(test)]
pub mod test_world;
pub mod trade;
