//! One side of a market's order book: an AVL tree of resting orders in a fixed node arena.
//!
//! The arena lives inside the market's zero-copy account, so everything here works on borrowed
//! slices: nothing allocates, nothing panics, and every loop is bounded by the tree height or the
//! capacity. Orders are sorted from best to worst (see [`Side`]); a live order keeps its node
//! index for its whole life, so seats and callers may hold on to indices across removals.

use crate::error::{PerpError, PerpResult};

/// The null node index: no child, empty tree or end of the free list.
pub const NIL: u32 = u32::MAX;
/// Highest number of orders a book side may hold (capacity is chosen per market, up to this).
pub const MAX_ORDERS_PER_SIDE: u32 = 4096;

/// Longest root-to-node path any walk follows. An AVL tree of `MAX_ORDERS_PER_SIDE` nodes is at
/// most 16 high, so a longer path only happens in a corrupt tree (reported as `MathOverflow`).
const MAX_DEPTH: usize = 32;

/// A resting order, or a free node of the arena (`height == 0`).
#[anchor_lang::zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct OrderNode {
    /// Limit price: quote per base at 1e6.
    pub price: u64,
    /// Remaining size in lots.
    pub base_lots: u64,
    /// Order id, unique per market (assigned increasing by the caller); breaks price ties.
    pub seq: u64,
    /// The owner's own id for the order.
    pub client_order_id: u64,
    /// Index of the owner's seat in the market.
    pub seat: u32,
    /// Left child index or `NIL`; on free nodes: the next free node.
    pub left: u32,
    /// Right child index or `NIL`.
    pub right: u32,
    /// AVL height, leaf = 1; 0 means the node is free.
    pub height: u8,
    /// Non-zero when the order may only reduce the owner's position.
    pub reduce_only: u8,
    /// Explicit padding, keep zero.
    pub _padding: [u8; 2],
}
const _: () = assert!(core::mem::size_of::<OrderNode>() == 48);
const _: () = assert!(core::mem::align_of::<OrderNode>() <= 8);

/// Bookkeeping of one book side's arena.
#[anchor_lang::zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BookSideHeader {
    /// Root node index, `NIL` when empty (an all-zero header must be turned valid by `init`).
    pub root: u32,
    /// Head of the free list of previously used nodes (linked through `left`), `NIL` if none.
    pub free_head: u32,
    /// Live orders.
    pub count: u32,
    /// Nodes `[next_unused..capacity)` have never been used (lazy arena: no O(capacity) init).
    pub next_unused: u32,
}
const _: () = assert!(core::mem::size_of::<BookSideHeader>() == 16);

impl BookSideHeader {
    /// Makes the header describe an empty side whose nodes have never been used.
    pub fn init(&mut self) {
        *self = BookSideHeader { root: NIL, free_head: NIL, count: 0, next_unused: 0 };
    }
}

/// Which side of the book a tree holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Buy orders: best is the highest price, then the lowest `seq`.
    Bid,
    /// Sell orders: best is the lowest price, then the lowest `seq`.
    Ask,
}

impl Side {
    /// Sort key, ascending from the best order to the worst. Unique because `seq` is.
    fn key(self, node: &OrderNode) -> (u64, u64) {
        match self {
            Side::Bid => (u64::MAX - node.price, node.seq),
            Side::Ask => (node.price, node.seq),
        }
    }
}

/// Usable nodes of an arena: its length, capped at `MAX_ORDERS_PER_SIDE`.
fn capacity_of(nodes: &[OrderNode]) -> u32 {
    u32::try_from(nodes.len()).unwrap_or(u32::MAX).min(MAX_ORDERS_PER_SIDE)
}

/// Slot of `index` if it is a node that has been handed out at least once.
fn used_slot(header: &BookSideHeader, nodes: &[OrderNode], index: u32) -> Option<usize> {
    (index < header.next_unused.min(capacity_of(nodes))).then_some(index as usize)
}

/// Read-only view of one book side.
#[derive(Clone, Copy)]
pub struct BookSide<'a> {
    /// Which side this is (decides the ordering).
    pub side: Side,
    /// The side's header.
    pub header: &'a BookSideHeader,
    /// The node arena; its length (capped at `MAX_ORDERS_PER_SIDE`) is the capacity.
    pub nodes: &'a [OrderNode],
}

impl<'a> BookSide<'a> {
    /// Number of live orders.
    pub fn len(&self) -> u32 {
        self.header.count
    }

    /// No live orders.
    pub fn is_empty(&self) -> bool {
        self.header.count == 0
    }

    /// Most orders the side can hold: the arena length, capped at `MAX_ORDERS_PER_SIDE`.
    pub fn capacity(&self) -> u32 {
        capacity_of(self.nodes)
    }

    /// Every node holds a live order.
    pub fn is_full(&self) -> bool {
        self.len() >= self.capacity()
    }

    /// The live order at `index`; `OrderNotFound` if out of range or free.
    pub fn get(&self, index: u32) -> PerpResult<&'a OrderNode> {
        let nodes: &'a [OrderNode] = self.nodes;
        used_slot(self.header, nodes, index)
            .and_then(|slot| nodes.get(slot))
            .filter(|node| node.height != 0)
            .ok_or(PerpError::OrderNotFound)
    }

    /// Index of the best order (highest bid / lowest ask, earliest first), O(log n).
    pub fn best(&self) -> Option<u32> {
        self.extreme(true).ok().flatten()
    }

    /// Index of the worst order, O(log n).
    pub fn worst(&self) -> Option<u32> {
        self.extreme(false).ok().flatten()
    }

    /// Index of the order right after `index` from best to worst (`None` after the worst),
    /// found by one descent from the root, O(log n).
    pub fn next_worse(&self, index: u32) -> PerpResult<Option<u32>> {
        let key = self.side.key(self.get(index)?);
        let mut current = self.header.root;
        let mut successor = None;
        for _ in 0..=MAX_DEPTH {
            if current == NIL {
                return Ok(successor);
            }
            let node = self.link(current)?;
            if self.side.key(node) > key {
                successor = Some(current);
                current = node.left;
            } else {
                current = node.right;
            }
        }
        Err(PerpError::MathOverflow)
    }

    /// Indices of the live orders from best to worst: an in-order walk with a stack of at most
    /// the tree's depth, O(1) amortized per order (O(n + log n) for n orders).
    pub fn iter(&self) -> BookIter<'a> {
        let mut iter = BookIter { book: *self, stack: [NIL; MAX_DEPTH], depth: 0, remaining: self.len() };
        iter.descend_left(self.header.root);
        iter
    }

    /// As `iter`, starting at the first order priced no better than `price` (a bid at or below
    /// it, an ask at or above it): one descent, O(log n), skips the better ones.
    pub fn iter_from(&self, price: u64) -> BookIter<'a> {
        let edge = self.side.key(&OrderNode { price, ..OrderNode::default() }).0;
        let mut iter = BookIter { book: *self, stack: [NIL; MAX_DEPTH], depth: 0, remaining: self.len() };
        let mut current = self.header.root;
        while current != NIL {
            let Ok(node) = self.link(current) else { break };
            if self.side.key(node).0 >= edge {
                // This order and its right subtree qualify; better ones may wait on the left.
                let Some(slot) = iter.stack.get_mut(iter.depth) else { break };
                *slot = current;
                iter.depth += 1;
                current = node.left;
            } else {
                current = node.right;
            }
        }
        iter
    }

    /// A node reached through a tree link; a link to a missing or free node means corruption.
    fn link(&self, index: u32) -> PerpResult<&'a OrderNode> {
        self.get(index).map_err(|_| PerpError::MathOverflow)
    }

    /// Stored height of a subtree, 0 for `NIL`.
    fn height(&self, index: u32) -> PerpResult<u8> {
        if index == NIL {
            Ok(0)
        } else {
            Ok(self.link(index)?.height)
        }
    }

    /// Leftmost (`leftmost`) or rightmost node of the tree.
    fn extreme(&self, leftmost: bool) -> PerpResult<Option<u32>> {
        let mut current = self.header.root;
        if current == NIL {
            return Ok(None);
        }
        for _ in 0..MAX_DEPTH {
            let node = self.link(current)?;
            let next = if leftmost { node.left } else { node.right };
            if next == NIL {
                return Ok(Some(current));
            }
            current = next;
        }
        Err(PerpError::MathOverflow)
    }
}

/// Iterator over a side's order indices from best to worst (stops early on a corrupt tree).
pub struct BookIter<'a> {
    book: BookSide<'a>,
    /// The path of nodes still to visit, the next one on top.
    stack: [u32; MAX_DEPTH],
    depth: usize,
    /// Orders left to yield: bounds the walk even on a corrupt tree.
    remaining: u32,
}

impl BookIter<'_> {
    /// Pushes `index` and its chain of left children (the better orders below it).
    fn descend_left(&mut self, mut index: u32) {
        while index != NIL {
            let Some(slot) = self.stack.get_mut(self.depth) else { return };
            let Ok(node) = self.book.link(index) else { return };
            *slot = index;
            self.depth += 1;
            index = node.left;
        }
    }
}

impl Iterator for BookIter<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        self.remaining = self.remaining.checked_sub(1)?;
        self.depth = self.depth.checked_sub(1)?;
        let current = *self.stack.get(self.depth)?;
        let right = self.book.link(current).ok()?.right;
        self.descend_left(right);
        Some(current)
    }
}

/// Mutable view of one book side.
pub struct BookSideMut<'a> {
    /// Which side this is (decides the ordering).
    pub side: Side,
    /// The side's header.
    pub header: &'a mut BookSideHeader,
    /// The node arena; its length (capped at `MAX_ORDERS_PER_SIDE`) is the capacity.
    pub nodes: &'a mut [OrderNode],
}

impl BookSideMut<'_> {
    /// Read-only view of the same side.
    pub fn view(&self) -> BookSide<'_> {
        BookSide { side: self.side, header: self.header, nodes: self.nodes }
    }

    /// Number of live orders.
    pub fn len(&self) -> u32 {
        self.view().len()
    }

    /// No live orders.
    pub fn is_empty(&self) -> bool {
        self.view().is_empty()
    }

    /// Most orders the side can hold: the arena length, capped at `MAX_ORDERS_PER_SIDE`.
    pub fn capacity(&self) -> u32 {
        self.view().capacity()
    }

    /// Every node holds a live order.
    pub fn is_full(&self) -> bool {
        self.view().is_full()
    }

    /// The live order at `index`; `OrderNotFound` if out of range or free.
    pub fn get(&self, index: u32) -> PerpResult<&OrderNode> {
        self.view().get(index)
    }

    /// Index of the best order, O(log n).
    pub fn best(&self) -> Option<u32> {
        self.view().best()
    }

    /// Index of the worst order, O(log n).
    pub fn worst(&self) -> Option<u32> {
        self.view().worst()
    }

    /// Index of the order right after `index` from best to worst, O(log n).
    pub fn next_worse(&self, index: u32) -> PerpResult<Option<u32>> {
        self.view().next_worse(index)
    }

    /// Indices of the live orders from best to worst.
    pub fn iter(&self) -> BookIter<'_> {
        self.view().iter()
    }

    /// The live order at `index`, mutably; `OrderNotFound` if out of range or free. Callers may
    /// change `base_lots` (and other payload) but never `price` or `seq` (the sort key) nor the
    /// tree links.
    pub fn get_mut(&mut self, index: u32) -> PerpResult<&mut OrderNode> {
        let slot = used_slot(self.header, self.nodes, index).ok_or(PerpError::OrderNotFound)?;
        self.nodes.get_mut(slot).filter(|node| node.height != 0).ok_or(PerpError::OrderNotFound)
    }

    /// Adds `order` (its `left`, `right`, `height` and padding are overwritten) and returns its
    /// node index, O(log n). Reuses freed nodes first, then never-used ones; `BookSideFull` when
    /// none is left. A `seq` already in the tree is a caller bug, reported as `MathOverflow`.
    pub fn insert(&mut self, order: OrderNode) -> PerpResult<u32> {
        if self.is_full() {
            return Err(PerpError::BookSideFull);
        }
        let key = self.side.key(&order);
        let mut path = Path::new();
        let mut current = self.header.root;
        let mut go_left = false;
        for _ in 0..MAX_DEPTH {
            if current == NIL {
                break;
            }
            path.push(current)?;
            let node = self.view().link(current)?;
            match key.cmp(&self.side.key(node)) {
                core::cmp::Ordering::Less => go_left = true,
                core::cmp::Ordering::Greater => go_left = false,
                core::cmp::Ordering::Equal => return Err(PerpError::MathOverflow),
            }
            current = if go_left { node.left } else { node.right };
        }
        if current != NIL {
            return Err(PerpError::MathOverflow);
        }

        let index = self.allocate()?;
        let slot = self.nodes.get_mut(index as usize).ok_or(PerpError::MathOverflow)?;
        *slot = OrderNode { left: NIL, right: NIL, height: 1, _padding: [0; 2], ..order };
        self.header.count = self.header.count.checked_add(1).ok_or(PerpError::MathOverflow)?;
        let parent = path.last()?;
        if parent == NIL {
            self.header.root = index;
        } else if go_left {
            self.link_mut(parent)?.left = index;
        } else {
            self.link_mut(parent)?.right = index;
        }
        self.rebalance_path(&path)?;
        Ok(index)
    }

    /// Removes the order at `index` and returns a copy of it (links cleared: `left`/`right` =
    /// `NIL`, `height` = 0), O(log n). Every other live order keeps its node index: a node with
    /// two children is replaced by relinking its successor node into its place. The freed node
    /// goes on the free list. `OrderNotFound` if `index` is out of range or free.
    pub fn remove(&mut self, index: u32) -> PerpResult<OrderNode> {
        let target = *self.get(index)?;
        let key = self.side.key(&target);
        let mut path = Path::new();
        let mut current = self.header.root;
        let mut found = false;
        for _ in 0..MAX_DEPTH {
            if current == NIL {
                break;
            }
            path.push(current)?;
            let node = self.view().link(current)?;
            match key.cmp(&self.side.key(node)) {
                core::cmp::Ordering::Less => current = node.left,
                core::cmp::Ordering::Greater => current = node.right,
                core::cmp::Ordering::Equal => {
                    found = true;
                    break;
                }
            }
        }
        if !found || current != index {
            return Err(PerpError::MathOverflow);
        }
        let depth = path.len.checked_sub(1).ok_or(PerpError::MathOverflow)?;
        let parent = path.parent(depth)?;

        if target.left == NIL || target.right == NIL {
            let child = if target.left == NIL { target.right } else { target.left };
            self.replace_child(parent, index, child)?;
            path.len = depth;
        } else {
            // The successor is the leftmost node of the right subtree; the path to it (without
            // it) is recorded below the target.
            let mut successor = target.right;
            for _ in 0..MAX_DEPTH {
                let left = self.view().link(successor)?.left;
                if left == NIL {
                    break;
                }
                path.push(successor)?;
                successor = left;
            }
            let successor_right = {
                let node = self.view().link(successor)?;
                if node.left != NIL {
                    return Err(PerpError::MathOverflow);
                }
                node.right
            };
            if successor != target.right {
                let successor_parent = path.last()?;
                self.link_mut(successor_parent)?.left = successor_right;
                self.link_mut(successor)?.right = target.right;
            }
            let node = self.link_mut(successor)?;
            node.left = target.left;
            node.height = target.height;
            self.replace_child(parent, index, successor)?;
            path.set(depth, successor)?;
        }
        self.rebalance_path(&path)?;

        let free_head = self.header.free_head;
        let node = self.link_mut(index)?;
        node.left = free_head;
        node.right = NIL;
        node.height = 0;
        self.header.free_head = index;
        self.header.count = self.header.count.checked_sub(1).ok_or(PerpError::MathOverflow)?;
        Ok(OrderNode { left: NIL, right: NIL, height: 0, ..target })
    }

    /// Takes a node off the free list, else the next never-used one.
    fn allocate(&mut self) -> PerpResult<u32> {
        let head = self.header.free_head;
        if head != NIL {
            let node = used_slot(self.header, self.nodes, head)
                .and_then(|slot| self.nodes.get(slot))
                .ok_or(PerpError::MathOverflow)?;
            if node.height != 0 {
                return Err(PerpError::MathOverflow);
            }
            self.header.free_head = node.left;
            Ok(head)
        } else if self.header.next_unused < self.capacity() {
            let index = self.header.next_unused;
            self.header.next_unused = index.checked_add(1).ok_or(PerpError::MathOverflow)?;
            Ok(index)
        } else {
            Err(PerpError::BookSideFull)
        }
    }

    /// A node reached through a tree link, mutably.
    fn link_mut(&mut self, index: u32) -> PerpResult<&mut OrderNode> {
        self.get_mut(index).map_err(|_| PerpError::MathOverflow)
    }

    /// Points `parent`'s link to `old` (or the root if `parent` is `NIL`) at `new`.
    fn replace_child(&mut self, parent: u32, old: u32, new: u32) -> PerpResult<()> {
        if parent == NIL {
            if self.header.root != old {
                return Err(PerpError::MathOverflow);
            }
            self.header.root = new;
            return Ok(());
        }
        let node = self.link_mut(parent)?;
        if node.left == old {
            node.left = new;
        } else if node.right == old {
            node.right = new;
        } else {
            return Err(PerpError::MathOverflow);
        }
        Ok(())
    }

    /// Child heights of `index`, as (left, right).
    fn child_heights(&self, index: u32) -> PerpResult<(u8, u8)> {
        let view = self.view();
        let node = view.link(index)?;
        Ok((view.height(node.left)?, view.height(node.right)?))
    }

    /// Recomputes the stored height of `index` from its children.
    fn update_height(&mut self, index: u32) -> PerpResult<u8> {
        let (left, right) = self.child_heights(index)?;
        let height = left.max(right).checked_add(1).ok_or(PerpError::MathOverflow)?;
        self.link_mut(index)?.height = height;
        Ok(height)
    }

    /// Rotates the subtree at `index` right (its left child becomes the root); returns the new root.
    fn rotate_right(&mut self, index: u32) -> PerpResult<u32> {
        let pivot = self.view().link(index)?.left;
        let inner = self.view().link(pivot)?.right;
        self.link_mut(index)?.left = inner;
        self.link_mut(pivot)?.right = index;
        self.update_height(index)?;
        self.update_height(pivot)?;
        Ok(pivot)
    }

    /// Rotates the subtree at `index` left (its right child becomes the root); returns the new root.
    fn rotate_left(&mut self, index: u32) -> PerpResult<u32> {
        let pivot = self.view().link(index)?.right;
        let inner = self.view().link(pivot)?.left;
        self.link_mut(index)?.right = inner;
        self.link_mut(pivot)?.left = index;
        self.update_height(index)?;
        self.update_height(pivot)?;
        Ok(pivot)
    }

    /// Restores the AVL balance of the subtree at `index` (whose children are balanced and differ
    /// in height by at most 2) and its stored height; returns the subtree's new root.
    fn rebalance(&mut self, index: u32) -> PerpResult<u32> {
        let (left_height, right_height) = self.child_heights(index)?;
        let balance = i16::from(left_height) - i16::from(right_height);
        if balance > 1 {
            let left = self.view().link(index)?.left;
            let (outer, inner) = self.child_heights(left)?;
            if inner > outer {
                let new_left = self.rotate_left(left)?;
                self.link_mut(index)?.left = new_left;
            }
            self.rotate_right(index)
        } else if balance < -1 {
            let right = self.view().link(index)?.right;
            let (inner, outer) = self.child_heights(right)?;
            if inner > outer {
                let new_right = self.rotate_right(right)?;
                self.link_mut(index)?.right = new_right;
            }
            self.rotate_left(index)
        } else {
            self.update_height(index)?;
            Ok(index)
        }
    }

    /// Rebalances the nodes of `path` bottom-up after a change below its deepest node, stopping
    /// once a subtree's height is unchanged (its ancestors are then unaffected).
    fn rebalance_path(&mut self, path: &Path) -> PerpResult<()> {
        for depth in (0..path.len).rev() {
            let index = path.get(depth)?;
            let old_height = self.view().link(index)?.height;
            let new_root = self.rebalance(index)?;
            if new_root != index {
                let parent = path.parent(depth)?;
                self.replace_child(parent, index, new_root)?;
            }
            if self.view().link(new_root)?.height == old_height {
                break;
            }
        }
        Ok(())
    }
}

/// Nodes from the root down to some node, for walking back up without parent pointers.
struct Path {
    nodes: [u32; MAX_DEPTH],
    len: usize,
}

impl Path {
    fn new() -> Self {
        Path { nodes: [NIL; MAX_DEPTH], len: 0 }
    }

    fn push(&mut self, index: u32) -> PerpResult<()> {
        let slot = self.nodes.get_mut(self.len).ok_or(PerpError::MathOverflow)?;
        *slot = index;
        self.len += 1;
        Ok(())
    }

    fn get(&self, depth: usize) -> PerpResult<u32> {
        if depth >= self.len {
            return Err(PerpError::MathOverflow);
        }
        self.nodes.get(depth).copied().ok_or(PerpError::MathOverflow)
    }

    fn set(&mut self, depth: usize, index: u32) -> PerpResult<()> {
        if depth >= self.len {
            return Err(PerpError::MathOverflow);
        }
        let slot = self.nodes.get_mut(depth).ok_or(PerpError::MathOverflow)?;
        *slot = index;
        Ok(())
    }

    /// Parent of the node at `depth`: the node above it, `NIL` for the root.
    fn parent(&self, depth: usize) -> PerpResult<u32> {
        match depth.checked_sub(1) {
            Some(above) => self.get(above),
            None => Ok(NIL),
        }
    }

    /// Deepest node, `NIL` if the path is empty.
    fn last(&self) -> PerpResult<u32> {
        self.parent(self.len)
    }
}

#[cfg(test)]
mod tests;
