//! Hashing throughput: kdvc's DVC-identical hashing against GNU `md5sum` on the same data.
//!
//! - `hash_dir_10k`: a directory of 10,000 files of 1–64 KiB (about 320 MiB) in 100 subdirectories;
//!   kdvc builds the `.dir` manifest (files hashed in parallel), `md5sum` runs as
//!   `find DIR -type f -print0 | xargs -0 md5sum`.
//! - `hash_large_file`: one 256 MiB file; kdvc streams it in 1 MiB chunks, against `md5sum FILE`.
//!
//! Throughput is reported in bytes/s; the target is kdvc >= 80 % of md5sum's throughput.

use std::hint::black_box;
use std::path::Path;
use std::process::{Command, Stdio};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kdvc_dvc_model::hash::{HashAlgorithm, HashOptions, dir_manifest, file_md5};

/// Deterministic pseudo-random bytes (xorshift64*), cheap to generate.
fn fill(buf: &mut [u8], seed: u64) {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for chunk in buf.chunks_mut(8) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let v = x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}

/// Writes 10,000 files of 1–64 KiB; returns the total size.
fn make_tree(root: &Path) -> u64 {
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for d in 0..100 {
        let dir = root.join(format!("part-{d:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..100 {
            let i = (d * 100 + f) as u64;
            let size = 1024 + ((i.wrapping_mul(2_654_435_761) >> 7) % (63 * 1024)) as usize;
            fill(&mut buf[..size], i);
            std::fs::write(dir.join(format!("file-{f:03}.bin")), &buf[..size]).unwrap();
            total += size as u64;
        }
    }
    total
}

fn md5sum_tree(dir: &Path) {
    let status = Command::new("sh")
        .arg("-c")
        .arg("find \"$1\" -type f -print0 | xargs -0 md5sum")
        .arg("sh")
        .arg(dir)
        .stdout(Stdio::null())
        .status()
        .expect("run find | xargs md5sum");
    assert!(status.success());
}

fn md5sum_file(file: &Path) {
    let status = Command::new("md5sum")
        .arg(file)
        .stdout(Stdio::null())
        .status()
        .expect("run md5sum");
    assert!(status.success());
}

fn bench_hash(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    let total = make_tree(&tree);
    let opts = HashOptions::default();
    // Sanity: the manifest covers every file, and both sides read the same data.
    let m = dir_manifest(&tree, &opts).unwrap();
    assert_eq!(m.info.nfiles, Some(10_000));
    assert_eq!(m.info.size, total);

    let mut g = c.benchmark_group("hash_dir_10k");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(total));
    g.bench_function("kdvc", |b| {
        b.iter(|| black_box(dir_manifest(&tree, &opts).unwrap().info))
    });
    g.bench_function("md5sum", |b| b.iter(|| md5sum_tree(&tree)));
    g.finish();
    drop(m);
    std::fs::remove_dir_all(&tree).unwrap();

    let big = tmp.path().join("big.bin");
    let size = 256usize << 20;
    let mut data = vec![0u8; size];
    fill(&mut data, 42);
    std::fs::write(&big, &data).unwrap();
    drop(data);
    let mut g = c.benchmark_group("hash_large_file");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(size as u64));
    g.bench_function("kdvc", |b| {
        b.iter(|| black_box(file_md5(&big, HashAlgorithm::Md5).unwrap()))
    });
    g.bench_function("md5sum", |b| b.iter(|| md5sum_file(&big)));
    g.finish();
}

criterion_group!(benches, bench_hash);
criterion_main!(benches);
