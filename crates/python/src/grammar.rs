//! The tree-sitter Python grammar: a parser per thread, and the node kind and field ids that tree walkers
//! compare instead of strings.

use std::cell::RefCell;
use std::sync::OnceLock;

use tree_sitter::{Language, Parser, Tree};

/// Version of the tree-sitter-python grammar the hashes are computed with (part of every fingerprint).
pub const GRAMMAR_VERSION: &str = "tree-sitter-python-0.25.0";

/// The Python language of tree-sitter-python.
pub fn language() -> &'static Language {
    static LANG: OnceLock<Language> = OnceLock::new();
    LANG.get_or_init(|| tree_sitter_python::LANGUAGE.into())
}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses `src` with this thread's parser (created on first use). `None` only if tree-sitter gives up,
/// which it does not without a timeout; callers treat it like a parse error.
pub fn parse(src: &[u8]) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut p = Parser::new();
            p.set_language(language())
                .expect("tree-sitter-python's ABI is supported by tree-sitter 0.27");
            p
        });
        parser.parse(src, None)
    })
}

macro_rules! kinds {
    ($( $field:ident = $name:literal $named:literal ),* $(,)?) => {
        /// Node kind ids of the grammar, looked up once (compare with [`tree_sitter::Node::kind_id`]).
        #[derive(Debug)]
        pub struct Kinds { $(
            #[doc = concat!("`", $name, "`")]
            pub $field: u16,
        )* }

        impl Kinds {
            fn load(lang: &Language) -> Self {
                Self { $( $field: {
                    let id = lang.id_for_node_kind($name, $named);
                    assert!(id != 0 || $name == "end", concat!("unknown node kind ", $name));
                    id
                }, )* }
            }
        }
    };
}

kinds! {
    module = "module" true,
    comment = "comment" true,
    line_continuation = "line_continuation" true,
    block = "block" true,
    expression_statement = "expression_statement" true,
    string = "string" true,
    string_start = "string_start" true,
    string_content = "string_content" true,
    string_end = "string_end" true,
    interpolation = "interpolation" true,
    format_specifier = "format_specifier" true,
    format_expression = "format_expression" true,
    type_conversion = "type_conversion" true,
    concatenated_string = "concatenated_string" true,
    integer = "integer" true,
    float = "float" true,
    identifier = "identifier" true,
    attribute = "attribute" true,
    call = "call" true,
    argument_list = "argument_list" true,
    keyword_argument = "keyword_argument" true,
    parenthesized_expression = "parenthesized_expression" true,
    tuple = "tuple" true,
    expression_list = "expression_list" true,
    pattern_list = "pattern_list" true,
    tuple_pattern = "tuple_pattern" true,
    list_pattern = "list_pattern" true,
    list = "list" true,
    list_splat = "list_splat" true,
    list_splat_pattern = "list_splat_pattern" true,
    dictionary_splat_pattern = "dictionary_splat_pattern" true,
    function_definition = "function_definition" true,
    class_definition = "class_definition" true,
    decorated_definition = "decorated_definition" true,
    decorator = "decorator" true,
    parameters = "parameters" true,
    lambda_parameters = "lambda_parameters" true,
    lambda = "lambda" true,
    default_parameter = "default_parameter" true,
    typed_parameter = "typed_parameter" true,
    typed_default_parameter = "typed_default_parameter" true,
    type_parameter = "type_parameter" true,
    assignment = "assignment" true,
    augmented_assignment = "augmented_assignment" true,
    named_expression = "named_expression" true,
    for_statement = "for_statement" true,
    for_in_clause = "for_in_clause" true,
    list_comprehension = "list_comprehension" true,
    set_comprehension = "set_comprehension" true,
    dictionary_comprehension = "dictionary_comprehension" true,
    generator_expression = "generator_expression" true,
    with_statement = "with_statement" true,
    with_item = "with_item" true,
    as_pattern = "as_pattern" true,
    as_pattern_target = "as_pattern_target" true,
    except_clause = "except_clause" true,
    import_statement = "import_statement" true,
    import_from_statement = "import_from_statement" true,
    future_import_statement = "future_import_statement" true,
    aliased_import = "aliased_import" true,
    dotted_name = "dotted_name" true,
    relative_import = "relative_import" true,
    import_prefix = "import_prefix" true,
    wildcard_import = "wildcard_import" true,
    global_statement = "global_statement" true,
    nonlocal_statement = "nonlocal_statement" true,
    delete_statement = "delete_statement" true,
    if_statement = "if_statement" true,
    try_statement = "try_statement" true,
    while_statement = "while_statement" true,
    match_statement = "match_statement" true,
    case_clause = "case_clause" true,
    case_pattern = "case_pattern" true,
    class_pattern = "class_pattern" true,
    keyword_pattern = "keyword_pattern" true,
    splat_pattern = "splat_pattern" true,
    type_alias_statement = "type_alias_statement" true,
    subscript = "subscript" true,
    tok_comma = "," false,
    tok_lparen = "(" false,
    tok_rparen = ")" false,
    tok_semicolon = ";" false,
    tok_eq = "=" false,
    tok_as = "as" false,
}

/// The kind ids, loaded on first use.
pub fn kinds() -> &'static Kinds {
    static KINDS: OnceLock<Kinds> = OnceLock::new();
    KINDS.get_or_init(|| Kinds::load(language()))
}

macro_rules! fields {
    ($( $field:ident = $name:literal ),* $(,)?) => {
        /// Field ids of the grammar, looked up once (`child_by_field_name` scans every field name).
        #[derive(Debug)]
        pub struct Fields { $(
            #[doc = concat!("`", $name, "`")]
            pub $field: std::num::NonZeroU16,
        )* }

        impl Fields {
            fn load(lang: &Language) -> Self {
                Self { $( $field: lang
                    .field_id_for_name($name)
                    .expect(concat!("unknown field ", $name)), )* }
            }
        }
    };
}

fields! {
    alias = "alias",
    alternative = "alternative",
    argument = "argument",
    arguments = "arguments",
    attribute = "attribute",
    body = "body",
    condition = "condition",
    consequence = "consequence",
    definition = "definition",
    expression = "expression",
    format_specifier = "format_specifier",
    function = "function",
    key = "key",
    left = "left",
    module_name = "module_name",
    name = "name",
    object = "object",
    operator = "operator",
    parameters = "parameters",
    return_type = "return_type",
    right = "right",
    superclasses = "superclasses",
    ty = "type",
    type_conversion = "type_conversion",
    type_parameters = "type_parameters",
    value = "value",
}

/// The field ids, loaded on first use.
pub fn fields() -> &'static Fields {
    static FIELDS: OnceLock<Fields> = OnceLock::new();
    FIELDS.get_or_init(|| Fields::load(language()))
}

/// Whether each node kind id is named (the grammar's symbol metadata, read once: asking a node costs a call
/// into tree-sitter for every node of every unit).
pub fn named_kinds() -> &'static [bool] {
    static NAMED: OnceLock<Vec<bool>> = OnceLock::new();
    NAMED.get_or_init(|| {
        let lang = language();
        (0..lang.node_kind_count())
            .map(|id| u16::try_from(id).is_ok_and(|id| lang.node_kind_is_named(id)))
            .collect()
    })
}
