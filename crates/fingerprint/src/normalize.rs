//! Structural normalization: a blake3 hash of a tree-sitter subtree that ignores formatting.
//!
//! The walk emits, into one streaming hasher, the kind of every named node on entry and a close marker on
//! exit, the text of named leaves, only the kind of anonymous tokens, and then applies the rules of
//! docs/fingerprint.md#normalization:
//!
//! - comments and backslash continuations are dropped, and so are docstrings (first statement of a module,
//!   class or function body that is a plain, non-f, non-bytes string);
//! - `,` `(` `)` `;` tokens are dropped (the tree shape keeps their meaning), `parenthesized_expression`
//!   collapses to its child, `expression_list` hashes as `tuple`, `pattern_list` as `tuple_pattern`, a
//!   one-element `tuple_pattern` without a comma as its element, and an empty class `()` disappears;
//! - strings are hashed by **value**: implicit concatenations are folded, escapes are decoded (`\x41` and `A`
//!   are the same), the prefix only says str / bytes / t-string, quote style and raw-ness vanish; f-string
//!   interpolations are hashed structurally except self-documenting `{expr=}`, hashed verbatim because the
//!   spaces are printed; format specifiers are hashed verbatim;
//! - numbers are hashed by value: ints in decimal (`0x10` is `16`), floats by IEEE bits (`2.` is `2.0`),
//!   imaginary literals as a float plus `j`; int and float stay different;
//! - source bytes inside a node that no child covers are hashed too (gap hashing), so text is never lost
//!   to a grammar quirk.
//!
//! Variables are never renamed and `"a" + "b"` stays different from `"ab"`: both would be unsafe.

use tree_sitter::Node;

use kdvc_python::grammar::{self, Kinds};
use kdvc_python::literal::{StringInfo, decode_literal};

use crate::flat::Flat;

/// Version of the normalization rules; part of every fingerprint and every cache key. Bump it whenever a
/// rule changes what is hashed.
pub const NORMALIZER_VERSION: &str = "kdvc-normalize-1";

/// Deeper subtrees than this are hashed by their raw (whitespace-stripped) bytes, so that pathological
/// nesting cannot overflow the stack.
const MAX_DEPTH: usize = 150;

const T_OPEN: u8 = 1;
const T_CLOSE: u8 = 2;
const T_LEAF: u8 = 3;
const T_ANON: u8 = 4;
const T_GAP: u8 = 5;
const T_STR: u8 = 6;
const T_LIT: u8 = 7;
const T_INTERP_RAW: u8 = 8;
const T_NUM: u8 = 9;
const T_BLOCK: u8 = 10;
const T_RAWSUB: u8 = 11;

/// A 32-byte blake3 digest.
pub(crate) type Digest = [u8; 32];

/// Hex spelling of a digest.
pub(crate) fn hex(d: &Digest) -> String {
    blake3::Hash::from_bytes(*d).to_hex().to_string()
}

/// Hash of raw bytes (the conservative fallback for code that does not parse).
pub(crate) fn raw_digest(bytes: &[u8]) -> Digest {
    let mut h = blake3::Hasher::new();
    h.update(b"kdvc-raw\0");
    h.update(bytes);
    *h.finalize().as_bytes()
}

/// Streams the normalized form of a flattened subtree into a buffer, hashed once at the end.
pub(crate) struct Normalizer<'a, 'f, 't> {
    src: &'a [u8],
    flat: &'f Flat<'t>,
    k: &'static Kinds,
    out: Vec<u8>,
    depth: usize,
    /// Hash `block` nodes as a placeholder (used for the header of a compound statement).
    skip_blocks: bool,
}

/// Hash of one subtree.
pub(crate) fn digest(src: &[u8], node: Node<'_>) -> Digest {
    let mut flat = Flat::default();
    flat.fill(node);
    digest_flat(src, &flat, false, &mut Vec::new())
}

/// Hash of the subtree in `flat` (rooted at entry 0); `header` hashes a compound statement without its
/// bodies (`if` condition, `except` types, ...). `scratch` is a reusable buffer.
pub(crate) fn digest_flat(
    src: &[u8],
    flat: &Flat<'_>,
    header: bool,
    scratch: &mut Vec<u8>,
) -> Digest {
    scratch.clear();
    let mut n = Normalizer {
        src,
        flat,
        k: grammar::kinds(),
        out: std::mem::take(scratch),
        depth: 0,
        skip_blocks: header,
    };
    n.node(0, false);
    let d = *blake3::hash(&n.out).as_bytes();
    *scratch = n.out;
    d
}

impl<'a> Normalizer<'a, '_, '_> {
    fn tag(&mut self, t: u8) {
        self.out.push(t);
    }

    fn kind(&mut self, id: u16) {
        self.out.extend_from_slice(&id.to_le_bytes());
    }

    fn bytes(&mut self, b: &[u8]) {
        self.out.extend_from_slice(&(b.len() as u64).to_le_bytes());
        self.out.extend_from_slice(b);
    }

    fn text(&self, i: usize) -> &'a [u8] {
        let e = self.flat.at(i);
        let len = self.src.len();
        &self.src[(e.start as usize).min(len)..(e.end as usize).min(len)]
    }

    fn gap(&mut self, from: usize, to: usize) {
        if to <= from {
            return;
        }
        let slice = &self.src[from.min(self.src.len())..to.min(self.src.len())];
        if slice.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let kept = strip_layout(slice);
        if !kept.is_empty() {
            self.tag(T_GAP);
            self.bytes(&kept);
        }
    }

    fn is_transparent_child(&self, i: usize) -> bool {
        let e = self.flat.at(i);
        e.named && e.kind != self.k.comment && e.kind != self.k.line_continuation
    }

    /// Emits a node. `doc_body` is true when `i` is the body block of a function or class.
    fn node(&mut self, i: usize, doc_body: bool) {
        let k = self.k;
        let e = *self.flat.at(i);
        let id = e.kind;
        if id == k.comment || id == k.line_continuation {
            return;
        }
        if !e.named {
            if id == k.tok_comma
                || id == k.tok_lparen
                || id == k.tok_rparen
                || id == k.tok_semicolon
            {
                return;
            }
            self.tag(T_ANON);
            self.kind(id);
            return;
        }
        if self.depth > MAX_DEPTH {
            self.tag(T_RAWSUB);
            let raw = strip_layout(self.text(i));
            self.bytes(&raw);
            return;
        }
        if id == k.string {
            self.strings(&[i]);
            return;
        }
        if id == k.concatenated_string {
            let parts: Vec<usize> = self
                .flat
                .children(i)
                .filter(|&j| self.flat.at(j).named)
                .collect();
            self.strings(&parts);
            return;
        }
        if id == k.integer || id == k.float {
            self.number(i);
            return;
        }
        if id == k.block && self.skip_blocks {
            self.tag(T_BLOCK);
            return;
        }
        if id == k.parenthesized_expression
            || (id == k.tuple_pattern && self.single_unparenthesized(i))
        {
            let mut inner = self
                .flat
                .children(i)
                .filter(|&j| self.is_transparent_child(j));
            if let (Some(only), None) = (inner.next(), inner.next()) {
                self.depth += 1;
                self.node(only, false);
                self.depth -= 1;
                return;
            }
        }
        if self.flat.is_leaf(i) {
            self.tag(T_LEAF);
            self.kind(id);
            let t = self.text(i);
            self.bytes(t);
            return;
        }
        let shown = if id == k.expression_list {
            k.tuple
        } else if id == k.pattern_list {
            k.tuple_pattern
        } else {
            id
        };
        self.tag(T_OPEN);
        self.kind(shown);
        self.depth += 1;
        let is_def = id == k.function_definition || id == k.class_definition;
        let fl = grammar::fields();
        let body = if is_def {
            self.flat.field(i, fl.body.get())
        } else {
            None
        };
        let superclasses = if id == k.class_definition {
            self.flat.field(i, fl.superclasses.get())
        } else {
            None
        };
        let doc_allowed = id == k.module || (id == k.block && doc_body);
        let mut first_stmt = true;
        let mut pos = e.start as usize;
        for child in self.flat.children(i) {
            let ce = self.flat.at(child);
            self.gap(pos, ce.start as usize);
            pos = pos.max(ce.end as usize);
            let mut skip = false;
            if doc_allowed && self.is_transparent_child(child) {
                if first_stmt && is_docstring_flat(self.src, self.k, self.flat, child) {
                    skip = true;
                }
                first_stmt = false;
            }
            if Some(child) == superclasses
                && !self
                    .flat
                    .children(child)
                    .any(|j| self.is_transparent_child(j))
            {
                skip = true;
            }
            if !skip {
                self.node(child, body == Some(child));
            }
        }
        self.gap(pos, e.end as usize);
        self.depth -= 1;
        self.tag(T_CLOSE);
    }

    /// A `tuple_pattern` with one element and no comma: `(x) = 1`.
    fn single_unparenthesized(&self, i: usize) -> bool {
        let mut named = 0;
        for ch in self.flat.children(i) {
            if self.flat.kind(ch) == self.k.tok_comma {
                return false;
            }
            if self.is_transparent_child(ch) {
                named += 1;
            }
        }
        named == 1
    }

    fn strings(&mut self, parts: &[usize]) {
        let mut bytes = false;
        let mut t = false;
        for &p in parts {
            if self.flat.kind(p) == self.k.string {
                let info = string_info_flat(self.src, self.flat, p, self.k);
                bytes |= info.bytes;
                t |= info.t;
            }
        }
        self.tag(T_STR);
        self.out.push(if t {
            3
        } else if bytes {
            1
        } else {
            0
        });
        let mut lit: Vec<u8> = Vec::new();
        for &p in parts {
            let kind = self.flat.kind(p);
            if kind == self.k.comment {
                continue;
            }
            if kind != self.k.string {
                self.flush(&mut lit);
                self.node(p, false);
                continue;
            }
            let info = string_info_flat(self.src, self.flat, p, self.k);
            let end_limit = (self.flat.at(p).end as usize)
                .saturating_sub(info.delim_len)
                .max(info.content_start);
            let mut pos = info.content_start;
            for ch in self.flat.children(p) {
                if self.flat.kind(ch) == self.k.interpolation {
                    let start = self.flat.at(ch).start as usize;
                    decode_literal(&self.src[pos.min(start)..start], &info, &mut lit);
                    self.flush(&mut lit);
                    self.interpolation(ch);
                    pos = self.flat.at(ch).end as usize;
                }
            }
            if pos < end_limit {
                decode_literal(&self.src[pos..end_limit], &info, &mut lit);
            }
        }
        self.flush(&mut lit);
        self.tag(T_CLOSE);
    }

    fn flush(&mut self, lit: &mut Vec<u8>) {
        if !lit.is_empty() {
            self.tag(T_LIT);
            self.bytes(lit);
            lit.clear();
        }
    }

    fn interpolation(&mut self, i: usize) {
        if self.flat.children(i).any(|ch| {
            let e = self.flat.at(ch);
            e.kind == self.k.tok_eq && !e.named
        }) {
            self.tag(T_INTERP_RAW);
            let t = self.text(i);
            self.bytes(t);
            return;
        }
        self.tag(T_OPEN);
        self.kind(self.k.interpolation);
        self.depth += 1;
        for ch in self.flat.children(i) {
            let e = self.flat.at(ch);
            let id = e.kind;
            if !e.named || id == self.k.comment {
                continue;
            }
            if id == self.k.format_specifier || id == self.k.type_conversion {
                self.tag(T_LEAF);
                self.kind(id);
                let t = self.text(ch);
                self.bytes(t);
            } else {
                self.node(ch, false);
            }
        }
        self.depth -= 1;
        self.tag(T_CLOSE);
    }

    fn number(&mut self, i: usize) {
        let raw = self.text(i);
        // A plain decimal integer (`0` or no leading zero) is its own decimal value: hash it as is, without
        // the general path's allocations (the bytes hashed are the same).
        if self.flat.kind(i) == self.k.integer
            && !raw.is_empty()
            && raw.len() <= 38
            && raw.iter().all(u8::is_ascii_digit)
            && (raw[0] != b'0' || raw.len() == 1)
        {
            self.tag(T_NUM);
            self.out.push(b'i');
            self.bytes(raw);
            return;
        }
        let text: String = String::from_utf8_lossy(raw)
            .chars()
            .filter(|c| *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        self.tag(T_NUM);
        if let Some(body) = text.strip_suffix('j') {
            self.out.push(b'j');
            match body.parse::<f64>() {
                Ok(v) => {
                    self.out.extend_from_slice(&v.to_bits().to_le_bytes());
                }
                Err(_) => self.bytes(body.as_bytes()),
            }
            return;
        }
        if self.flat.kind(i) == self.k.integer {
            let parsed = if let Some(d) = text.strip_prefix("0x") {
                u128::from_str_radix(d, 16)
            } else if let Some(d) = text.strip_prefix("0o") {
                u128::from_str_radix(d, 8)
            } else if let Some(d) = text.strip_prefix("0b") {
                u128::from_str_radix(d, 2)
            } else {
                text.parse::<u128>()
            };
            match parsed {
                Ok(v) => {
                    self.out.push(b'i');
                    self.bytes(v.to_string().as_bytes());
                }
                Err(_) => {
                    self.out.push(b't');
                    self.bytes(text.as_bytes());
                }
            }
        } else {
            match text.parse::<f64>() {
                Ok(v) => {
                    self.out.push(b'f');
                    self.out.extend_from_slice(&v.to_bits().to_le_bytes());
                }
                Err(_) => {
                    self.out.push(b't');
                    self.bytes(text.as_bytes());
                }
            }
        }
    }
}

/// Whether flattened entry `stmt` is a docstring: an expression statement holding only a plain (non-f,
/// non-bytes) string or a concatenation of them.
pub(crate) fn is_docstring_flat(src: &[u8], k: &Kinds, flat: &Flat<'_>, stmt: usize) -> bool {
    if flat.kind(stmt) != k.expression_statement {
        return false;
    }
    let useful = |j: &usize| {
        let e = flat.at(*j);
        e.named && e.kind != k.comment && e.kind != k.line_continuation
    };
    let mut kids = flat.children(stmt).filter(useful);
    let (Some(e), None) = (kids.next(), kids.next()) else {
        return false;
    };
    let plain = |s: usize| -> bool {
        if flat.kind(s) != k.string {
            return false;
        }
        let info = string_info_flat(src, flat, s, k);
        !info.f && !info.bytes && !info.t
    };
    if flat.kind(e) == k.string {
        return plain(e);
    }
    if flat.kind(e) == k.concatenated_string {
        return flat
            .children(e)
            .filter(|&s| flat.at(s).named && flat.kind(s) != k.comment)
            .all(plain);
    }
    false
}

/// An expression statement holding only a plain (non-f, non-bytes) string or a concatenation of them.
pub(crate) fn is_docstring(src: &[u8], k: &Kinds, stmt: Node<'_>) -> bool {
    if stmt.kind_id() != k.expression_statement {
        return false;
    }
    let mut flat = Flat::default();
    flat.fill(stmt);
    is_docstring_flat(src, k, &flat, 0)
}

/// Removes whitespace and backslash-newline continuations.
fn strip_layout(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\' {
            let mut j = i + 1;
            if j < bytes.len() && bytes[j] == b'\r' {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'\n' {
                i = j + 1;
                continue;
            }
        }
        if !b.is_ascii_whitespace() {
            out.push(b);
        }
        i += 1;
    }
    out
}

/// [`kdvc_python::literal::string_info`] of flattened entry `i`.
pub(crate) fn string_info_flat(src: &[u8], flat: &Flat<'_>, i: usize, k: &Kinds) -> StringInfo {
    let e = flat.at(i);
    if e.plain_string {
        // Not walked: its `string_start` token is the prefix letters and the opening quote(s).
        let (s, end) = (e.start as usize, (e.end as usize).min(src.len()));
        let text = src.get(s..end).unwrap_or_default();
        let letters = text.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let quote = text.get(letters).copied();
        let triple = quote.is_some()
            && text.len() >= letters + 3
            && text[letters + 1] == text[letters]
            && text[letters + 2] == text[letters];
        let token_end = s + letters + if triple { 3 } else { 1 };
        return StringInfo::from_start_token(src, s, Some((s, token_end)));
    }
    let start = flat
        .children(i)
        .find(|&ch| flat.kind(ch) == k.string_start)
        .map(|ch| (flat.at(ch).start as usize, flat.at(ch).end as usize));
    StringInfo::from_start_token(src, flat.at(i).start as usize, start)
}

/// Whether a tree parsed without errors and nests no deeper than CPython accepts (the normalizer
/// recurses over it).
pub(crate) fn parsed_cleanly(tree: &tree_sitter::Tree) -> bool {
    let root = tree.root_node();
    !root.has_error() && kdvc_python::nesting_error(root).is_none()
}

/// Structural hash of a whole Python source (a module), hex. Source that does not parse cleanly (or
/// nests too deeply, [`kdvc_python::nesting_error`]) gets the raw-bytes fallback hash (prefixed
/// `raw:`), so any edit to it changes the hash.
pub fn normalize_source_hash(src: &str) -> String {
    match grammar::parse(src.as_bytes()) {
        Some(tree) if parsed_cleanly(&tree) => hex(&digest(src.as_bytes(), tree.root_node())),
        _ => format!("raw:{}", hex(&raw_digest(src.as_bytes()))),
    }
}

/// Structural hash of a Python expression (a lambda's text, say), hex. Falls back to a raw hash (prefixed
/// `raw:`) when the text is not a valid expression.
pub fn normalize_expression_hash(src: &str) -> String {
    normalize_source_hash(src)
}

/// Structural hash of the text of call arguments, such as the extra arguments of a `functools.partial`
/// (`0.5, cols=["a"]`), hex. Falls back to a raw hash (prefixed `raw:`) when the text does not parse.
pub fn normalize_arguments_hash(src: &str) -> String {
    let wrapped = format!("__kdvc_partial__(\n{src}\n)");
    match grammar::parse(wrapped.as_bytes()) {
        Some(tree) if parsed_cleanly(&tree) => hex(&digest(wrapped.as_bytes(), tree.root_node())),
        _ => format!("raw:{}", hex(&raw_digest(src.as_bytes()))),
    }
}
