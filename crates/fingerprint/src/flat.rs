//! A subtree laid out flat, in pre-order, from one tree-sitter cursor walk.
//!
//! Walking a tree-sitter tree is costly (every step goes through the C API and skips hidden nodes), and both
//! the normalizer and the reference collector need every node of a unit. So each unit is walked once, into
//! a reusable buffer, and both then read the buffer: children are found by jumping from a node to the end
//! of its subtree. Fields (`name`, `body`, ...) are looked up lazily, only for the few node kinds whose
//! fields matter, through the node kept in each entry.

use tree_sitter::{Node, TreeCursor};

/// One node of a flattened subtree.
#[derive(Clone, Copy)]
pub(crate) struct Entry<'t> {
    /// The tree-sitter node (for field lookups).
    pub(crate) node: Node<'t>,
    /// Start byte.
    pub(crate) start: u32,
    /// End byte.
    pub(crate) end: u32,
    /// Index just past this node's subtree: its next sibling, if it has one.
    pub(crate) next: u32,
    /// Kind id.
    pub(crate) kind: u16,
    /// Whether the node is named (not an anonymous token).
    pub(crate) named: bool,
    /// A string without interpolations whose parts (quotes, content, escapes) were not walked: its
    /// prefix and quotes are read from the source (see [`Flat::fill_plain_strings`]).
    pub(crate) plain_string: bool,
}

/// A subtree in pre-order; entry 0 is its root.
#[derive(Default)]
pub(crate) struct Flat<'t> {
    pub(crate) nodes: Vec<Entry<'t>>,
    open: Vec<usize>,
    cursor: Option<TreeCursor<'t>>,
}

impl<'t> Flat<'t> {
    /// Replaces the content with the subtree of `root`.
    pub(crate) fn fill(&mut self, root: Node<'t>) {
        self.fill_inner(root, None);
    }

    /// [`Flat::fill`], except that strings that cannot hold interpolations (no `f` or `t` prefix) are kept
    /// without their parts, which nothing reads (fewer steps of the tree cursor).
    /// Only for trees without syntax errors, where every string has its quotes.
    pub(crate) fn fill_plain_strings(&mut self, root: Node<'t>, src: &[u8]) {
        self.fill_inner(root, Some(src));
    }

    fn fill_inner(&mut self, root: Node<'t>, plain_strings_of: Option<&[u8]>) {
        let string = kdvc_python::grammar::kinds().string;
        self.nodes.clear();
        self.open.clear();
        let named = kdvc_python::grammar::named_kinds();
        let mut c = match self.cursor.take() {
            Some(mut c) => {
                c.reset(root);
                c
            }
            None => root.walk(),
        };
        loop {
            let n = c.node();
            let i = self.nodes.len();
            let kind = n.kind_id();
            let (start, end) = (n.start_byte(), n.end_byte());
            let plain_string = kind == string
                && plain_strings_of.is_some_and(|src| !may_interpolate(src, start, end));
            self.nodes.push(Entry {
                node: n,
                start: to_u32(start),
                end: to_u32(end),
                next: 0,
                kind,
                named: match named.get(usize::from(kind)) {
                    Some(&b) => b,
                    None => n.is_named(),
                },
                plain_string,
            });
            if !plain_string && c.goto_first_child() {
                self.open.push(i);
                continue;
            }
            self.nodes[i].next = to_u32(i + 1);
            let mut done = false;
            loop {
                if c.goto_next_sibling() {
                    break;
                }
                match self.open.pop() {
                    Some(p) if c.goto_parent() => {
                        self.nodes[p].next = to_u32(self.nodes.len());
                    }
                    Some(p) => {
                        // The cursor cannot climb above its root: close everything still open.
                        self.nodes[p].next = to_u32(self.nodes.len());
                        while let Some(q) = self.open.pop() {
                            self.nodes[q].next = to_u32(self.nodes.len());
                        }
                        done = true;
                        break;
                    }
                    None => {
                        done = true;
                        break;
                    }
                }
            }
            if done {
                break;
            }
        }
        self.cursor = Some(c);
    }

    /// The entry at `i`.
    #[inline]
    pub(crate) fn at(&self, i: usize) -> &Entry<'t> {
        &self.nodes[i]
    }

    /// Kind id of `i`.
    #[inline]
    pub(crate) fn kind(&self, i: usize) -> u16 {
        self.nodes[i].kind
    }

    /// Whether `i` has no children.
    #[inline]
    pub(crate) fn is_leaf(&self, i: usize) -> bool {
        self.nodes[i].next as usize == i + 1
    }

    /// The children of `i`, in order.
    #[inline]
    pub(crate) fn children(&self, i: usize) -> Children<'_, 't> {
        Children {
            flat: self,
            at: i + 1,
            end: self.nodes[i].next as usize,
        }
    }

    /// The child of `i` that is `node` (as returned by a field lookup on `i`'s node).
    fn find(&self, i: usize, node: Node<'t>) -> Option<usize> {
        let id = node.id();
        if let Some(j) = self.children(i).find(|&j| self.nodes[j].node.id() == id) {
            return Some(j);
        }
        // Not a direct child (should not happen): search the whole subtree.
        (i + 1..self.nodes[i].next as usize).find(|&j| self.nodes[j].node.id() == id)
    }

    /// The child of `i` in field `field` (tree-sitter field id).
    pub(crate) fn field(&self, i: usize, field: u16) -> Option<usize> {
        let n = self.nodes[i].node.child_by_field_id(field)?;
        self.find(i, n)
    }

    /// Every child of `i` in field `field`.
    pub(crate) fn fields(&self, i: usize, field: std::num::NonZeroU16) -> Vec<usize> {
        let node = self.nodes[i].node;
        let mut c = node.walk();
        let found: Vec<Node<'t>> = node.children_by_field_id(field, &mut c).collect();
        found.into_iter().filter_map(|n| self.find(i, n)).collect()
    }
}

/// Whether the string literal at `start..end` has an `f` or `t` prefix (or is not a plain quoted literal).
fn may_interpolate(src: &[u8], start: usize, end: usize) -> bool {
    let text = src.get(start..end.min(src.len())).unwrap_or_default();
    for &b in text {
        match b {
            b'"' | b'\'' => return false,
            b'f' | b'F' | b't' | b'T' => return true,
            _ if b.is_ascii_alphabetic() => {}
            _ => return true,
        }
    }
    true
}

fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Iterator over the children of a flattened node.
pub(crate) struct Children<'f, 't> {
    flat: &'f Flat<'t>,
    at: usize,
    end: usize,
}

impl Iterator for Children<'_, '_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.at >= self.end {
            return None;
        }
        let i = self.at;
        self.at = self.flat.nodes[i].next as usize;
        Some(i)
    }
}
