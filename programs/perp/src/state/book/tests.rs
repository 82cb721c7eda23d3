use super::*;
use bytemuck::Zeroable;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn order(price: u64, seq: u64) -> OrderNode {
    OrderNode {
        price,
        base_lots: 10 + seq,
        seq,
        client_order_id: 1000 + seq,
        seat: seq as u32 % 7,
        reduce_only: (seq % 2) as u8,
        ..OrderNode::default()
    }
}

fn empty(capacity: usize) -> (BookSideHeader, Vec<OrderNode>) {
    let mut header = BookSideHeader::zeroed();
    header.init();
    (header, vec![OrderNode::zeroed(); capacity])
}

/// (price, seq) of every order from best to worst.
fn listing(book: &BookSideMut) -> Vec<(u64, u64)> {
    book.iter()
        .map(|i| {
            let node = book.get(i).unwrap();
            (node.price, node.seq)
        })
        .collect()
}

/// Payload fields the tree must never touch.
fn payload(node: &OrderNode) -> (u64, u64, u64, u64, u32, u8) {
    (node.price, node.base_lots, node.seq, node.client_order_id, node.seat, node.reduce_only)
}

/// Checks the subtree at `index`: BST order within `(low, high)`, stored heights, AVL balance;
/// marks reached nodes. Returns the subtree's height.
fn check_subtree(
    book: &BookSide,
    index: u32,
    low: Option<(u64, u64)>,
    high: Option<(u64, u64)>,
    reached: &mut [u32],
) -> u8 {
    if index == NIL {
        return 0;
    }
    let node = book.get(index).expect("tree links a free or missing node");
    reached[index as usize] += 1;
    assert_eq!(reached[index as usize], 1, "node {index} reached twice");
    let key = book.side.key(node);
    assert!(low.is_none_or(|low| low < key), "BST order broken at {index}");
    assert!(high.is_none_or(|high| key < high), "BST order broken at {index}");
    let left = check_subtree(book, node.left, low, Some(key), reached);
    let right = check_subtree(book, node.right, Some(key), high, reached);
    assert!(left.abs_diff(right) <= 1, "node {index} unbalanced: {left} vs {right}");
    assert_eq!(node.height, left.max(right) + 1, "stored height wrong at {index}");
    node.height
}

fn check(book: &BookSide, model: &BTreeMap<(u64, u64), u32>, expected: &[Option<OrderNode>]) {
    let capacity = book.capacity() as usize;
    assert_eq!(book.len() as usize, model.len());
    assert_eq!(book.is_empty(), model.is_empty());
    assert_eq!(book.is_full(), model.len() == capacity);
    assert_eq!(book.iter().collect::<Vec<_>>(), model.values().copied().collect::<Vec<_>>());
    // From every price edge: the orders no better than it, in order.
    for price in model.keys().map(|k| k.0).chain([0, 1, u64::MAX - 1]) {
        let edge = book.side.key(&OrderNode { price, ..OrderNode::default() }).0;
        let expected: Vec<u32> = model.iter().filter(|(k, _)| k.0 >= edge).map(|(_, v)| *v).collect();
        assert_eq!(book.iter_from(price).collect::<Vec<_>>(), expected, "iter_from({price})");
    }
    assert_eq!(book.best(), model.values().next().copied());
    assert_eq!(book.worst(), model.values().next_back().copied());

    let mut reached = vec![0u32; capacity];
    check_subtree(book, book.header.root, None, None, &mut reached);
    for (i, expected) in expected.iter().enumerate() {
        let index = i as u32;
        match expected {
            Some(order) => {
                assert_eq!(reached[i], 1, "live node {i} not reachable");
                assert_eq!(payload(book.get(index).unwrap()), payload(order), "node {i} payload changed");
                assert_eq!(model.get(&book.side.key(order)), Some(&index));
            }
            None => {
                assert_eq!(reached[i], 0);
                assert_eq!(book.get(index), Err(PerpError::OrderNotFound));
                if index < book.header.next_unused {
                    assert_eq!(book.nodes[i].height, 0, "free node {i} has a height");
                }
            }
        }
    }
    assert_eq!(book.get(capacity as u32), Err(PerpError::OrderNotFound));

    // The free list holds exactly the used-then-freed nodes.
    let mut free = 0;
    let mut next = book.header.free_head;
    while next != NIL {
        assert!(next < book.header.next_unused);
        assert_eq!(book.nodes[next as usize].height, 0);
        free += 1;
        assert!(free <= capacity, "free list cycles");
        next = book.nodes[next as usize].left;
    }
    assert_eq!(free as u32 + book.header.count, book.header.next_unused);
}

#[test]
fn zero_header_after_init_is_empty() {
    let mut header = BookSideHeader::zeroed();
    header.init();
    assert_eq!(header, BookSideHeader { root: NIL, free_head: NIL, count: 0, next_unused: 0 });
    let mut nodes = vec![OrderNode::zeroed(); 4];
    let book = BookSideMut { side: Side::Bid, header: &mut header, nodes: &mut nodes };
    assert!(book.is_empty());
    assert_eq!(book.len(), 0);
    assert_eq!(book.capacity(), 4);
    assert!(!book.is_full());
    assert_eq!(book.best(), None);
    assert_eq!(book.worst(), None);
    assert_eq!(book.iter().next(), None);
    assert_eq!(book.get(0), Err(PerpError::OrderNotFound));
}

#[test]
fn bids_sort_high_to_low_with_time_priority() {
    let (mut header, mut nodes) = empty(8);
    let mut book = BookSideMut { side: Side::Bid, header: &mut header, nodes: &mut nodes };
    let prices = [100, 105, 100, 95, 105];
    let indices: Vec<u32> = prices.iter().zip(1..).map(|(&p, seq)| book.insert(order(p, seq)).unwrap()).collect();
    assert_eq!(indices, vec![0, 1, 2, 3, 4]);
    assert_eq!(listing(&book), vec![(105, 2), (105, 5), (100, 1), (100, 3), (95, 4)]);
    assert_eq!(book.best(), Some(1));
    assert_eq!(book.worst(), Some(3));
    assert_eq!(book.next_worse(1), Ok(Some(4)));
    assert_eq!(book.next_worse(4), Ok(Some(0)));
    assert_eq!(book.next_worse(0), Ok(Some(2)));
    assert_eq!(book.next_worse(2), Ok(Some(3)));
    assert_eq!(book.next_worse(3), Ok(None));
    assert_eq!(book.len(), 5);
}

#[test]
fn asks_sort_low_to_high_with_time_priority() {
    let (mut header, mut nodes) = empty(8);
    let mut book = BookSideMut { side: Side::Ask, header: &mut header, nodes: &mut nodes };
    for (&p, seq) in [100, 105, 100, 95, 105].iter().zip(1..) {
        book.insert(order(p, seq)).unwrap();
    }
    assert_eq!(listing(&book), vec![(95, 4), (100, 1), (100, 3), (105, 2), (105, 5)]);
    assert_eq!(book.best(), Some(3));
    assert_eq!(book.worst(), Some(4));
    assert_eq!(book.next_worse(3), Ok(Some(0)));
    assert_eq!(book.next_worse(4), Ok(None));
}

#[test]
fn removals_keep_other_indices() {
    let (mut header, mut nodes) = empty(8);
    let mut book = BookSideMut { side: Side::Ask, header: &mut header, nodes: &mut nodes };
    // Ascending inserts: index i holds price i + 1; the tree ends up perfectly balanced
    // with index 3 (price 4) at the root, 1 and 5 below it.
    for seq in 1..=7 {
        assert_eq!(book.insert(order(seq, seq)).unwrap(), seq as u32 - 1);
    }
    assert_eq!(book.header.root, 3);
    let seqs = |book: &BookSideMut| book.iter().map(|i| book.get(i).unwrap().seq).collect::<Vec<_>>();
    let indices_hold_their_orders = |book: &BookSideMut| {
        for i in book.iter() {
            assert_eq!(book.get(i).unwrap().seq, u64::from(i) + 1);
        }
    };

    // Root (two children: successor index 4 moves up).
    let removed = book.remove(3).unwrap();
    assert_eq!((removed.price, removed.seq, removed.height, removed.left), (4, 4, 0, NIL));
    assert_eq!(book.header.root, 4);
    assert_eq!(seqs(&book), vec![1, 2, 3, 5, 6, 7]);
    indices_hold_their_orders(&book);
    // Best, worst, middle.
    book.remove(book.best().unwrap()).unwrap();
    assert_eq!(seqs(&book), vec![2, 3, 5, 6, 7]);
    book.remove(book.worst().unwrap()).unwrap();
    assert_eq!(seqs(&book), vec![2, 3, 5, 6]);
    book.remove(2).unwrap();
    assert_eq!(seqs(&book), vec![2, 5, 6]);
    indices_hold_their_orders(&book);
    assert_eq!(book.best(), Some(1));
    assert_eq!(book.worst(), Some(5));
    assert_eq!(book.len(), 3);
    for i in [1, 4, 5] {
        book.remove(i).unwrap();
    }
    assert!(book.is_empty());
    assert_eq!(book.header.root, NIL);
    assert_eq!(book.best(), None);
}

#[test]
fn freed_nodes_are_reused_and_capacity_is_enforced() {
    let (mut header, mut nodes) = empty(3);
    let mut book = BookSideMut { side: Side::Bid, header: &mut header, nodes: &mut nodes };
    for seq in 1..=3 {
        book.insert(order(50, seq)).unwrap();
    }
    assert!(book.is_full());
    assert_eq!(book.insert(order(60, 4)), Err(PerpError::BookSideFull));
    assert_eq!(book.len(), 3);
    book.remove(1).unwrap();
    assert!(!book.is_full());
    assert_eq!(book.insert(order(60, 5)), Ok(1));
    assert_eq!(book.best(), Some(1));
    assert_eq!(book.insert(order(60, 6)), Err(PerpError::BookSideFull));
    book.remove(0).unwrap();
    book.remove(2).unwrap();
    // Last freed first.
    assert_eq!(book.insert(order(40, 7)), Ok(2));
    assert_eq!(book.insert(order(40, 8)), Ok(0));
    assert_eq!(listing(&book), vec![(60, 5), (40, 7), (40, 8)]);
}

#[test]
fn missing_orders_are_not_found() {
    let (mut header, mut nodes) = empty(4);
    // Never-used nodes may hold garbage: they are still not orders.
    nodes[3] = OrderNode { height: 3, left: 0, right: 1, ..order(1, 1) };
    let mut book = BookSideMut { side: Side::Ask, header: &mut header, nodes: &mut nodes };
    let a = book.insert(order(10, 1)).unwrap();
    let b = book.insert(order(11, 2)).unwrap();
    book.remove(a).unwrap();
    for index in [a, 2, 3, 4, NIL] {
        assert_eq!(book.get(index), Err(PerpError::OrderNotFound));
        assert_eq!(book.get_mut(index).map(|n| n.seq), Err(PerpError::OrderNotFound));
        assert_eq!(book.remove(index), Err(PerpError::OrderNotFound));
        assert_eq!(book.next_worse(index), Err(PerpError::OrderNotFound));
    }
    assert_eq!(listing(&book), vec![(11, 2)]);
    assert_eq!(book.get(b).unwrap().seq, 2);
}

#[test]
fn partial_fill_through_get_mut() {
    let (mut header, mut nodes) = empty(4);
    let mut book = BookSideMut { side: Side::Bid, header: &mut header, nodes: &mut nodes };
    let a = book.insert(order(10, 1)).unwrap();
    book.insert(order(9, 2)).unwrap();
    book.get_mut(a).unwrap().base_lots = 3;
    assert_eq!(book.get(a).unwrap().base_lots, 3);
    assert_eq!(listing(&book), vec![(10, 1), (9, 2)]);
}

#[test]
fn full_side_stays_shallow() {
    let (mut header, mut nodes) = empty(MAX_ORDERS_PER_SIDE as usize + 1);
    let mut book = BookSideMut { side: Side::Ask, header: &mut header, nodes: &mut nodes };
    assert_eq!(book.capacity(), MAX_ORDERS_PER_SIDE);
    for seq in 0..u64::from(MAX_ORDERS_PER_SIDE) {
        book.insert(order(seq, seq)).unwrap();
    }
    assert_eq!(book.insert(order(0, 1 << 40)), Err(PerpError::BookSideFull));
    let root = book.header.root;
    assert!(book.get(root).unwrap().height <= 13);
    assert_eq!(book.iter().count(), MAX_ORDERS_PER_SIDE as usize);
    // Drain from the best, as matching does.
    while let Some(best) = book.best() {
        book.remove(best).unwrap();
    }
    assert!(book.is_empty());
    assert_eq!(book.header.next_unused, MAX_ORDERS_PER_SIDE);
}

/// 0..=1: insert at `price`; 2: remove the `pick`-th live order; 3: remove index
/// `pick % (capacity + 2)` (live or not); 4: change the size of the `pick`-th live order.
fn op() -> impl Strategy<Value = (u8, u64, u16)> {
    (0u8..5, 0u64..12, any::<u16>())
}

proptest! {
    #[test]
    fn matches_btreemap_model(
        bid in any::<bool>(),
        capacity in 1usize..64,
        ops in proptest::collection::vec(op(), 0..300),
    ) {
        let side = if bid { Side::Bid } else { Side::Ask };
        let (mut header, _) = empty(0);
        // Never-used nodes hold garbage: the lazy arena must not read them.
        let garbage = OrderNode { height: 9, left: 0, right: 0, ..order(7, 7) };
        let mut nodes = vec![garbage; capacity];
        let mut book = BookSideMut { side, header: &mut header, nodes: &mut nodes };
        let mut model: BTreeMap<(u64, u64), u32> = BTreeMap::new();
        let mut expected: Vec<Option<OrderNode>> = vec![None; capacity];
        let mut seq = 0;
        for (kind, price, pick) in ops {
            let nth = |model: &BTreeMap<(u64, u64), u32>| {
                model.iter().nth(usize::from(pick) % model.len()).map(|(k, v)| (*k, *v))
            };
            match kind {
                0 | 1 => {
                    seq += 1;
                    let new = order(price, seq);
                    let result = book.insert(new);
                    if model.len() == capacity {
                        prop_assert_eq!(result, Err(PerpError::BookSideFull));
                    } else {
                        let index = result.unwrap();
                        prop_assert!(expected[index as usize].is_none());
                        model.insert(side.key(&new), index);
                        expected[index as usize] = Some(new);
                    }
                }
                2 | 4 if !model.is_empty() => {
                    let (key, index) = nth(&model).unwrap();
                    if kind == 2 {
                        let removed = book.remove(index).unwrap();
                        prop_assert_eq!(Some(removed), expected[index as usize].map(|o| OrderNode {
                            left: NIL, right: NIL, height: 0, ..o
                        }));
                        model.remove(&key);
                        expected[index as usize] = None;
                        prop_assert_eq!(book.remove(index), Err(PerpError::OrderNotFound));
                    } else {
                        let lots = 1 + u64::from(pick % 50);
                        book.get_mut(index).unwrap().base_lots = lots;
                        expected[index as usize].as_mut().unwrap().base_lots = lots;
                    }
                }
                3 => {
                    let index = (u32::from(pick)) % (capacity as u32 + 2);
                    let result = book.remove(index);
                    match expected.get(index as usize).copied().flatten() {
                        Some(live) => {
                            prop_assert_eq!(result.map(|o| o.seq), Ok(live.seq));
                            model.remove(&side.key(&live));
                            expected[index as usize] = None;
                        }
                        None => prop_assert_eq!(result, Err(PerpError::OrderNotFound)),
                    }
                }
                _ => {}
            }
            check(&book.view(), &model, &expected);
        }
    }
}
