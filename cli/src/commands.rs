//! One module per command.
pub mod account;
pub mod collateral;
pub mod funding;
pub mod history;
pub mod markets;
pub mod order;
pub mod positions;
pub mod risk;
