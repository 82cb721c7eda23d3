//! `perp-keeper`: the keeper bot (cranks over any `Chain`), the scenario runner and the embedded
//! localnet simulation.
pub mod cranks;
pub mod keeper;
pub mod metrics;
pub mod prices;
pub mod scan;
pub mod scenario;
pub mod service;
pub mod sim;
pub mod state_view;
pub mod summary;
pub use perp_client::units;

/// The program's errors into `anyhow` (PerpError is Anchor's, without `std::error::Error`).
pub trait OrPerp<T> {
    fn or_perp(self) -> anyhow::Result<T>;
}

impl<T> OrPerp<T> for Result<T, perp::error::PerpError> {
    fn or_perp(self) -> anyhow::Result<T> {
        self.map_err(|e| anyhow::anyhow!("{e:?}: {e}"))
    }
}
