//! Reading the program's events back from transaction logs. Only lines logged while this program
//! is the one executing count (a program it calls, or one calling it, cannot forge its events).
//! SBF builds log `Program data: <base64>`; the native runtimes log `Program log: data: <base64>`
//! (perp-localnet's `event_logs`).
use anchor_lang::{AnchorDeserialize, Discriminator};
use base64::Engine;

/// The base64 payloads this program logged, in order.
pub fn program_data(logs: &[String]) -> Vec<Vec<u8>> {
    let id = perp::ID.to_string();
    let mut stack: Vec<bool> = Vec::new(); // is the frame ours?
    let mut out = Vec::new();
    for line in logs {
        if let Some(rest) = line.strip_prefix("Program ") {
            if let Some((program, _depth)) = rest.split_once(" invoke [") {
                stack.push(program == id);
                continue;
            }
            if rest.ends_with(" success") || rest.contains(" failed: ") {
                stack.pop();
                continue;
            }
        }
        if stack.last() != Some(&true) {
            continue;
        }
        let payload = line.strip_prefix("Program data: ").or_else(|| line.strip_prefix("Program log: data: "));
        if let Some(payload) = payload {
            for field in payload.split(' ') {
                if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(field) {
                    out.push(bytes);
                }
            }
        }
    }
    out
}

/// Every event of type `E` in `logs`, in order.
pub fn decode<E: AnchorDeserialize + Discriminator>(logs: &[String]) -> Vec<E> {
    program_data(logs)
        .into_iter()
        .filter_map(|bytes| {
            let body = bytes.strip_prefix(E::DISCRIMINATOR)?;
            E::deserialize(&mut &body[..]).ok()
        })
        .collect()
}

/// An event of the program, named, with its fields as text (`history` shows these).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedEvent {
    pub name: &'static str,
    /// The event's fields, `name: value` separated by commas (its `Debug` form).
    pub fields: String,
}

macro_rules! named_events {
    ($($event:ident),* $(,)?) => {
        /// The names of the events `all` decodes.
        pub const EVENT_NAMES: &[&str] = &[$(stringify!($event)),*];

        /// One payload as a named event, `None` when no event of the program has its
        /// discriminator.
        fn named(bytes: &[u8]) -> Option<NamedEvent> {
            $(
                if let Some(body) = bytes.strip_prefix(perp::events::$event::DISCRIMINATOR) {
                    let event = perp::events::$event::deserialize(&mut &body[..]).ok()?;
                    let text = format!("{event:?}");
                    let fields = text
                        .strip_prefix(concat!(stringify!($event), " { "))
                        .and_then(|t| t.strip_suffix(" }"))
                        .unwrap_or(&text)
                        .to_string();
                    return Some(NamedEvent { name: stringify!($event), fields });
                }
            )*
            None
        }
    };
}

named_events!(
    ExchangeInitialized,
    ExchangeParamsSet,
    PauseFlagsSet,
    AdminProposed,
    AdminAccepted,
    TraderOpened,
    TraderClosed,
    CollateralDeposited,
    CollateralWithdrawn,
    InsuranceDeposited,
    MarketCreated,
    MarketUpdated,
    MarketUpdateAnnounced,
    MarketUpdateApplied,
    MarketUpdateCancelled,
    PushOracleUpdated,
    OraclePriceCached,
    OrderPlaced,
    OrderFilled,
    OrderCancelled,
    SeatClaimed,
    SeatReleased,
    SeatSettled,
    FeesToInsurance,
    FundingSettled,
    FundingSampled,
    FundingApplied,
    Liquidated,
    AdlApplied,
    AdlEventRecorded,
    BankruptcyResolved,
    InsurancePositionSwept,
    SocializedLossCharged,
);

/// Every event of the program in `logs`, in order, each named (a test checks `EVENT_NAMES` against
/// the program's events).
pub fn all(logs: &[String]) -> Vec<NamedEvent> {
    program_data(logs).iter().filter_map(|bytes| named(bytes)).collect()
}

#[cfg(test)]
mod tests;
