//! Depth and work limits on input-controlled recursion and loops. Every limit stops with a located
//! [`crate::Error::LimitExceeded`], never a stack overflow, a hang or an out-of-memory abort. They are far
//! above what real projects use; `docs/limits.md` lists them with the reasoning.

/// Interpolations evaluated inside one another: links of a `${a}` -> `${b}` -> ... chain plus `${...}`
/// nested in a key or argument (`${a${b}}`), plus nested list/dict resolver arguments. Kedro (OmegaConf)
/// stops a chain with `RecursionError` at about 2,000 links; real projects use fewer than 10.
pub const MAX_INTERPOLATION_DEPTH: usize = 100;

/// Size of one interpolated value, in approximate bytes of memory: string bytes plus
/// [`NODE_WEIGHT`] per value, list item, mapping entry and recorded reference. Catches
/// `b: ${a}${a}${a}...` chains that grow exponentially.
pub const MAX_INTERPOLATED_SIZE: usize = 4 << 20;

/// What one value, list item, mapping entry or recorded reference counts in [`MAX_INTERPOLATED_SIZE`]
/// and [`MAX_INTERPOLATION_WORK`] (about its size in memory).
pub const NODE_WEIGHT: usize = 64;

/// Total size of everything interpolation produces while resolving one configuration key (`catalog`,
/// `parameters`, `credentials`, `globals`), in the units of [`MAX_INTERPOLATED_SIZE`] (approximate bytes).
pub const MAX_INTERPOLATION_WORK: usize = 64 << 20;
