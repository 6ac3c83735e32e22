//! Benchmarks for kdvc, and a generator of synthetic Kedro projects of any size.
