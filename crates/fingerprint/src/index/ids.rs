//! Typed ids of an index (modules, graph nodes, symbols) and vectors indexed by them, so that a module's
//! position is never taken for a node's.

use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

/// A position in an [`IdVec`].
pub(super) trait Id: Copy {
    /// The id of position `i`.
    fn from_index(i: usize) -> Self;
    /// The position.
    fn index(self) -> usize;
}

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub(super) struct $name(usize);

        impl Id for $name {
            fn from_index(i: usize) -> Self {
                Self(i)
            }

            fn index(self) -> usize {
                self.0
            }
        }
    };
}

id! {
    /// A first-party module of an index: its position in the module list (in listing order).
    ModuleId
}

id! {
    /// A node of the symbol graph (symbol, module preamble, whole module or whole package).
    NodeId
}

/// A symbol of a module: the module and the position of the symbol in its summary's bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct SymbolId {
    /// The module.
    pub(super) module: ModuleId,
    /// The position in [`crate::summary::FileSummary::bindings`].
    pub(super) binding: usize,
}

/// A vector indexed by a typed id.
#[derive(Debug, Clone)]
pub(super) struct IdVec<I, T> {
    items: Vec<T>,
    id: PhantomData<fn(I) -> I>,
}

impl<I, T> Default for IdVec<I, T> {
    fn default() -> Self {
        Self::from_vec(Vec::new())
    }
}

impl<I, T> IdVec<I, T> {
    /// The vector whose item `i` is `items[i]`.
    pub(super) fn from_vec(items: Vec<T>) -> Self {
        Self {
            items,
            id: PhantomData,
        }
    }

    /// `len` copies of `value`.
    pub(super) fn filled(value: T, len: usize) -> Self
    where
        T: Clone,
    {
        Self::from_vec(vec![value; len])
    }

    /// The number of items.
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// The items, in id order.
    pub(super) fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// The items, in id order, owned.
    pub(super) fn into_vec(self) -> Vec<T> {
        self.items
    }
}

impl<I: Id, T> IdVec<I, T> {
    /// Appends an item and gives its id.
    pub(super) fn push(&mut self, item: T) -> I {
        self.items.push(item);
        I::from_index(self.items.len() - 1)
    }

    /// The item of `id`, if there is one.
    pub(super) fn get(&self, id: I) -> Option<&T> {
        self.items.get(id.index())
    }

    /// Every id, in order.
    pub(super) fn ids(&self) -> impl Iterator<Item = I> + use<I, T> {
        (0..self.items.len()).map(I::from_index)
    }

    /// Every (id, item), in order.
    pub(super) fn iter_enumerated(&self) -> impl Iterator<Item = (I, &T)> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, t)| (I::from_index(i), t))
    }

    /// Grows (or shrinks) to `len` items, new ones made by `f`.
    pub(super) fn resize_with(&mut self, len: usize, f: impl FnMut() -> T) {
        self.items.resize_with(len, f);
    }
}

impl<I: Id, T> Index<I> for IdVec<I, T> {
    type Output = T;

    fn index(&self, id: I) -> &T {
        &self.items[id.index()]
    }
}

impl<I: Id, T> IndexMut<I> for IdVec<I, T> {
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.items[id.index()]
    }
}

impl<'v, I, T> IntoIterator for &'v IdVec<I, T> {
    type Item = &'v T;
    type IntoIter = std::slice::Iter<'v, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
