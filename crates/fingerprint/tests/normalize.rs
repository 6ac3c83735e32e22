//! The structural normalization suite (docs/fingerprint.md#normalization): pairs that must hash equal (formatting,
//! comments, docstrings, quote and escape style, numeric spelling) and pairs that must differ (any change
//! of behaviour, including the two false negatives of naive token hashing).

use kdvc_fingerprint::{
    normalize_arguments_hash, normalize_expression_hash, normalize_source_hash,
};

/// Pairs of sources with the same behaviour: they must hash equal.
const EQUAL: &[(&str, &str, &str)] = &[
    (
        "comment added",
        "x = 1\n",
        "x = 1  # the answer\n# trailing\n",
    ),
    (
        "comment line inside a body",
        "def f():\n    return 1\n",
        "def f():\n    # why\n    return 1\n",
    ),
    ("blank lines", "a = 1\nb = 2\n", "a = 1\n\n\n\nb = 2\n"),
    (
        "re-indentation",
        "def f():\n    if x:\n        return 1\n",
        "def f():\n  if x:\n          return 1\n",
    ),
    (
        "function docstring changed",
        "def f():\n    \"\"\"One.\"\"\"\n    return 1\n",
        "def f():\n    '''Two, longer.\n\n    More.\n    '''\n    return 1\n",
    ),
    (
        "function docstring removed",
        "def f():\n    \"\"\"Doc.\"\"\"\n    return 1\n",
        "def f():\n    return 1\n",
    ),
    (
        "class docstring",
        "class A:\n    \"\"\"Doc.\"\"\"\n    x = 1\n",
        "class A:\n    x = 1\n",
    ),
    (
        "module docstring",
        "\"\"\"Module doc.\"\"\"\nimport os\n",
        "import os\n",
    ),
    (
        "concatenated docstring",
        "def f():\n    'a' 'b'\n    return 1\n",
        "def f():\n    return 1\n",
    ),
    ("quote style", "x = 'abc'\n", "x = \"abc\"\n"),
    ("triple quotes", "x = 'abc'\n", "x = '''abc'''\n"),
    (
        "escaped quote vs other quote",
        "x = 'I\\'m'\n",
        "x = \"I'm\"\n",
    ),
    ("hex escape vs character", "x = '\\x41'\n", "x = 'A'\n"),
    (
        "unicode escape vs character",
        "x = '\\u00e9'\n",
        "x = 'é'\n",
    ),
    (
        "raw vs escaped backslash",
        "x = r'\\d+'\n",
        "x = '\\\\d+'\n",
    ),
    ("upper-case string prefix", "x = B'ab'\n", "x = b'ab'\n"),
    ("u prefix", "x = u'ab'\n", "x = 'ab'\n"),
    (
        "implicit concatenation",
        "x = ('ab' 'cd')\n",
        "x = 'abcd'\n",
    ),
    (
        "f-string joined with plain string",
        "x = 'a{' f'{y}'\n",
        "x = f'a{{{y}'\n",
    ),
    ("f-string without fields", "x = f'abc'\n", "x = 'abc'\n"),
    (
        "f-string interpolation spacing",
        "x = f'{a}'\n",
        "x = f'{ a }'\n",
    ),
    (
        "f-string quote style",
        "x = f\"{a['k']}\"\n",
        "x = f'{a[\"k\"]}'\n",
    ),
    ("float spelling 2. vs 2.0", "x = 2.\n", "x = 2.0\n"),
    ("float spelling .5", "x = .5\n", "x = 0.5\n"),
    ("exponent spelling", "x = 1e+3\n", "x = 1000.0\n"),
    ("hex int vs decimal", "x = 0x10\n", "x = 16\n"),
    ("upper-case hex", "x = 0XFF\n", "x = 255\n"),
    ("underscores in numbers", "x = 1_000_000\n", "x = 1000000\n"),
    ("binary and octal", "x = (0b101, 0o17)\n", "x = (5, 15)\n"),
    ("redundant parentheses", "x = (a + b)\n", "x = a + b\n"),
    ("double parentheses", "y = ((f(x)))\n", "y = f(x)\n"),
    (
        "magic trailing comma and wrapping",
        "f(a, b)\n",
        "f(\n    a,\n    b,\n)\n",
    ),
    (
        "parenthesized import list",
        "from m import a, b\n",
        "from m import (\n    a,\n    b,\n)\n",
    ),
    (
        "return tuple with or without parens",
        "def f():\n    return a, b\n",
        "def f():\n    return (a, b)\n",
    ),
    ("unpacking targets", "a, b = c\n", "(a, b) = c\n"),
    ("parenthesized single target", "x = 1\n", "(x) = 1\n"),
    (
        "empty class parentheses",
        "class A():\n    pass\n",
        "class A:\n    pass\n",
    ),
    ("semicolons", "a = 1; b = 2\n", "a = 1\nb = 2\n"),
    (
        "backslash continuation",
        "x = a + \\\n    b\n",
        "x = a + b\n",
    ),
    ("spacing around operators", "x=a*b+c\n", "x = a * b + c\n"),
    (
        "dict literal wrapping",
        "d = {'a': 1, 'b': 2}\n",
        "d = {\n    \"a\": 1,\n    \"b\": 2,\n}\n",
    ),
    (
        "CRLF line endings",
        "def f():\r\n    return 'x'\r\n",
        "def f():\n    return 'x'\n",
    ),
    (
        "trailing comma in def",
        "def f(a, b):\n    pass\n",
        "def f(\n    a,\n    b,\n):\n    pass\n",
    ),
    (
        "decorator spacing",
        "@dec( 1 )\ndef f(): pass\n",
        "@dec(1)\ndef f():\n    pass\n",
    ),
];

/// Pairs with different behaviour: they must hash differently.
const DIFFERENT: &[(&str, &str, &str)] = &[
    (
        "escaped quotes (naive false negative)",
        "x = \"a\\\"b\"\n",
        "x = \"c\\\"d\"\n",
    ),
    (
        "self-documenting f-string spaces (naive false negative)",
        "x = f\"{a = }\"\n",
        "x = f\"{a=}\"\n",
    ),
    (
        "self-documenting vs plain field",
        "x = f\"{a=}\"\n",
        "x = f\"{a}\"\n",
    ),
    ("precedence", "x = (a + b) * c\n", "x = a + b * c\n"),
    (
        "default argument",
        "def f(a=1):\n    return a\n",
        "def f(a=2):\n    return a\n",
    ),
    ("string value", "x = 'abc'\n", "x = 'abd'\n"),
    ("bytes vs str", "x = b'ab'\n", "x = 'ab'\n"),
    (
        "raw string content in string_end",
        "x = r\"\\\"\"\n",
        "x = r\"\"\n",
    ),
    ("raw vs non-raw escape", "x = r'\\n'\n", "x = '\\n'\n"),
    ("int vs float", "x = 1\n", "x = 1.0\n"),
    ("tuple vs parenthesized value", "x = (a,)\n", "x = (a)\n"),
    ("f-string interpolation", "x = f'{a}'\n", "x = f'{b}'\n"),
    ("f-string conversion", "x = f'{a!r}'\n", "x = f'{a!s}'\n"),
    (
        "f-string format spec",
        "x = f'{a:>10}'\n",
        "x = f'{a: >10}'\n",
    ),
    ("f-string vs literal braces", "x = f'{a}'\n", "x = '{a}'\n"),
    (
        "identifier renamed",
        "def f(a):\n    return a\n",
        "def f(b):\n    return b\n",
    ),
    ("keyword argument name", "f(a=1)\n", "f(b=1)\n"),
    ("operator", "x = a - b\n", "x = a + b\n"),
    ("comparison operator", "x = a is not b\n", "x = a is b\n"),
    ("call vs no call", "x = f\n", "x = f()\n"),
    (
        "decorator added",
        "def f():\n    pass\n",
        "@cache\ndef f():\n    pass\n",
    ),
    (
        "annotation changed",
        "def f(a: int):\n    pass\n",
        "def f(a: str):\n    pass\n",
    ),
    (
        "return annotation",
        "def f() -> int:\n    pass\n",
        "def f() -> str:\n    pass\n",
    ),
    ("statement order", "a = 1\nb = a\n", "b = a\na = 1\n"),
    (
        "nesting level",
        "if x:\n    a()\nb()\n",
        "if x:\n    a()\n    b()\n",
    ),
    (
        "string concatenation with + stays different",
        "x = 'a' + 'b'\n",
        "x = 'ab'\n",
    ),
    (
        "non-docstring string in the middle",
        "def f():\n    x = 1\n    'note'\n",
        "def f():\n    x = 1\n    'other'\n",
    ),
    (
        "f-string docstring is code",
        "def f():\n    f'{a}'\n",
        "def f():\n    f'{b}'\n",
    ),
    (
        "bytes docstring is code",
        "def f():\n    b'a'\n",
        "def f():\n    b'b'\n",
    ),
    (
        "class base added",
        "class A:\n    pass\n",
        "class A(B):\n    pass\n",
    ),
    (
        "global declaration",
        "def f():\n    global x\n    x = 1\n",
        "def f():\n    x = 1\n",
    ),
    (
        "star args",
        "def f(*a):\n    pass\n",
        "def f(a):\n    pass\n",
    ),
    (
        "keyword-only marker",
        "def f(a, *, b):\n    pass\n",
        "def f(a, b):\n    pass\n",
    ),
    ("hex value", "x = 0x10\n", "x = 10\n"),
    (
        "large int",
        "x = 123456789012345678901234567890\n",
        "x = 123456789012345678901234567891\n",
    ),
    ("imaginary", "x = 1j\n", "x = 1\n"),
    ("negative number", "x = -1\n", "x = 1\n"),
    (
        "lambda body",
        "f = lambda x: x + 1\n",
        "f = lambda x: x + 2\n",
    ),
    (
        "async def",
        "async def f():\n    pass\n",
        "def f():\n    pass\n",
    ),
    (
        "escaped backslash vs newline escape",
        "x = '\\\\n'\n",
        "x = '\\n'\n",
    ),
    ("t-string vs f-string", "x = t'{a}'\n", "x = f'{a}'\n"),
    (
        "nested format spec field",
        "x = f'{a:{w}}'\n",
        "x = f'{a:{v}}'\n",
    ),
    ("unpacking arity", "a, = c\n", "a = c\n"),
    ("slice bounds", "x = a[1:2]\n", "x = a[1:3]\n"),
    ("dict key", "d = {'a': 1}\n", "d = {'b': 1}\n"),
    ("list vs tuple", "x = [a, b]\n", "x = (a, b)\n"),
    (
        "walrus",
        "if (n := f()):\n    pass\n",
        "if f():\n    pass\n",
    ),
];

#[test]
fn equal_pairs_hash_equal() {
    assert!(
        EQUAL.len() >= 30,
        "the suite has at least 30 must-equal pairs"
    );
    let mut failures = Vec::new();
    for (name, a, b) in EQUAL {
        let (ha, hb) = (normalize_source_hash(a), normalize_source_hash(b));
        assert!(
            !ha.starts_with("raw:"),
            "{name}: left side must parse: {a:?}"
        );
        assert!(
            !hb.starts_with("raw:"),
            "{name}: right side must parse: {b:?}"
        );
        if ha != hb {
            failures.push(*name);
        }
    }
    assert!(
        failures.is_empty(),
        "pairs that should hash equal but differ: {failures:#?}"
    );
}

#[test]
fn different_pairs_hash_differently() {
    assert!(
        DIFFERENT.len() >= 30,
        "the suite has at least 30 must-differ pairs"
    );
    let mut failures = Vec::new();
    for (name, a, b) in DIFFERENT {
        let (ha, hb) = (normalize_source_hash(a), normalize_source_hash(b));
        assert!(
            !ha.starts_with("raw:"),
            "{name}: left side must parse: {a:?}"
        );
        assert!(
            !hb.starts_with("raw:"),
            "{name}: right side must parse: {b:?}"
        );
        if ha == hb {
            failures.push(*name);
        }
    }
    assert!(
        failures.is_empty(),
        "pairs that should hash differently but are equal: {failures:#?}"
    );
}

#[test]
fn naive_false_negatives_are_covered() {
    // Both were missed by naive token hashing (docs/fingerprint.md#what-naive-hashing-misses).
    assert_ne!(
        normalize_source_hash("x = \"a\\\"b\"\n"),
        normalize_source_hash("x = \"c\\\"d\"\n")
    );
    assert_ne!(
        normalize_source_hash("x = f\"{a = }\"\n"),
        normalize_source_hash("x = f\"{a=}\"\n")
    );
}

#[test]
fn expression_and_argument_hashes() {
    assert_eq!(
        normalize_expression_hash("lambda x: x + 1"),
        normalize_expression_hash("lambda x:  (x+1)  # inc")
    );
    assert_ne!(
        normalize_expression_hash("lambda x: x + 1"),
        normalize_expression_hash("lambda x: x - 1")
    );
    assert_eq!(
        normalize_arguments_hash("threshold=0.5, cols=['a', 'b']"),
        normalize_arguments_hash("threshold=.5,\n cols=[\"a\", \"b\",],")
    );
    assert_ne!(
        normalize_arguments_hash("threshold=0.5"),
        normalize_arguments_hash("threshold=0.6")
    );
}

#[test]
fn unparseable_source_gets_a_raw_hash() {
    let a = normalize_source_hash("def f(:\n  return 1\n");
    let b = normalize_source_hash("def f(:\n  return 2\n");
    let c = normalize_source_hash("def f(:\n  return 2  \n");
    assert!(a.starts_with("raw:"));
    assert_ne!(a, b);
    // The raw fallback is conservative: even whitespace matters.
    assert_ne!(b, c);
    assert!(normalize_arguments_hash("a=, )").starts_with("raw:"));
}
