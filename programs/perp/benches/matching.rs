//! The matching engine on in-memory market accounts: place (post-only, mid-book), cancel, and a
//! taker sweeping 1, 8 and `MAX_FILLS_PER_ORDER` (28) resting orders (the most one order
//! fills), on books of 10, 100 and 1,024 orders per side.
//! Prints a table of mean nanoseconds per operation (native code: a relative measure; compute
//! units on the SBF build are the on-chain one).
//!
//! `cargo bench -p perp --features test-support --bench matching`. Under `cargo test` (no
//! `--bench` argument) it runs a few iterations as a smoke test and checks every outcome.
use std::time::{Duration, Instant};

use perp::engine::orders::{cancel_by_client_id, OrderSide, OrderType, MAX_FILLS_PER_ORDER};
use perp::engine::test_market::{self as tm, config, layout};
use perp::error::PerpError;

const DEPTHS: [u32; 3] = [10, 100, 1_024];
const FILLS: [u64; 3] = [1, 8, MAX_FILLS_PER_ORDER as u64];
const ORACLE: u64 = 100_000;
/// Orders each maker seat rests per side (within the 32-order limit per seat).
const PER_MAKER: u32 = 16;
const MEASURED_ID: u64 = u64::MAX;

struct Book {
    data: Vec<u8>,
    makers: Vec<u32>,
    taker: u32,
}

fn ask_price(i: u32) -> u64 {
    ORACLE + 1 + u64::from(i)
}

fn bid_price(i: u32) -> u64 {
    ORACLE - 1 - u64::from(i)
}

/// `depth` one-lot orders per side, one tick apart, from `depth / 16 + 1` maker seats.
fn book(depth: u32) -> Result<Book, PerpError> {
    let makers_needed = depth / PER_MAKER + 1;
    let mut data = tm::market(&config(), &layout(depth + 1, makers_needed + 1), 0, ORACLE)?;
    let makers: Vec<u32> = (0..makers_needed).map(|_| tm::seat(&mut data)).collect::<Result<_, _>>()?;
    let taker = tm::seat(&mut data)?;
    let mut book = Book { data, makers, taker };
    for i in 0..depth {
        rest_ask(&mut book, i)?;
        let maker = book.makers[(i / PER_MAKER) as usize];
        tm::order_with_id(&mut book.data, maker, OrderSide::Buy, OrderType::PostOnly, bid_price(i), 1, u64::from(i))?;
    }
    Ok(book)
}

fn rest_ask(book: &mut Book, i: u32) -> Result<(), PerpError> {
    let maker = book.makers[(i / PER_MAKER) as usize];
    tm::order_with_id(&mut book.data, maker, OrderSide::Sell, OrderType::PostOnly, ask_price(i), 1, u64::from(i))?;
    Ok(())
}

/// Mean time of a post-only bid in the middle of the bid side, and of its cancel.
fn place_and_cancel(book: &mut Book, depth: u32, iterations: u32) -> Result<(Duration, Duration), PerpError> {
    let (mut place, mut cancel) = (Duration::ZERO, Duration::ZERO);
    let price_quote = bid_price(depth / 2);
    for _ in 0..iterations {
        let start = Instant::now();
        let placed = tm::order_with_id(
            &mut book.data,
            book.taker,
            OrderSide::Buy,
            OrderType::PostOnly,
            price_quote,
            1,
            MEASURED_ID,
        )?;
        place += start.elapsed();
        assert_eq!(placed.rested_lots, 1);
        let start = Instant::now();
        let cancelled = cancel_by_client_id(&mut tm::view(&mut book.data)?, book.taker, MEASURED_ID)?;
        cancel += start.elapsed();
        assert_eq!(cancelled.client_order_id, MEASURED_ID);
    }
    Ok((place / iterations, cancel / iterations))
}

/// Mean time of an IOC buy that fills the `fills` best asks (restored after each, untimed).
fn take(book: &mut Book, fills: u64, iterations: u32) -> Result<Duration, PerpError> {
    let mut total = Duration::ZERO;
    let fills_u32 = u32::try_from(fills).map_err(|_| PerpError::MathOverflow)?;
    for _ in 0..iterations {
        let start = Instant::now();
        let outcome = tm::order(
            &mut book.data,
            book.taker,
            OrderSide::Buy,
            OrderType::ImmediateOrCancel,
            ask_price(fills_u32 - 1),
            fills,
        )?;
        total += start.elapsed();
        assert_eq!(outcome.fills.len() as u64, fills);
        // The taker's growing long does not change matching cost: only the asks are restored.
        for i in 0..fills_u32 {
            rest_ask(book, i)?;
        }
    }
    Ok(total / iterations)
}

fn main() -> Result<(), PerpError> {
    let bench = std::env::args().any(|a| a == "--bench");
    let (depths, iterations): (&[u32], u32) = if bench { (&DEPTHS, 500) } else { (&DEPTHS[..2], 3) };
    println!(
        "| orders per side | place (ns) | cancel (ns) | take, 1 fill (ns) | take, 8 fills (ns) | take, {MAX_FILLS_PER_ORDER} fills (ns) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for &depth in depths {
        let mut book = book(depth)?;
        let (place, cancel) = place_and_cancel(&mut book, depth, iterations)?;
        let mut takes = Vec::new();
        for fills in FILLS {
            takes.push(if fills <= u64::from(depth) {
                take(&mut book, fills, iterations)?.as_nanos().to_string()
            } else {
                "n/a".to_string()
            });
        }
        println!(
            "| {depth} | {} | {} | {} | {} | {} |",
            place.as_nanos(),
            cancel.as_nanos(),
            takes[0],
            takes[1],
            takes[2]
        );
    }
    Ok(())
}
