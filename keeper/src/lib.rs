//! `perp-keeper`: the keeper bot and the embedded localnet runner.
pub mod state_view;
