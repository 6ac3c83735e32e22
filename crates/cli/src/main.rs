//! The `kdvc` command-line tool. Arguments, output and progress only; the logic lives in the library crates.

fn main() {}
