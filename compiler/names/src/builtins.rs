//! The language's built-in functions and type names, each registered once: its name,
//! its parameters, its signature and its documentation. The checker (typing rule), the
//! evaluator (meaning) and the language server (completion, hover) all look builtins up
//! here, and the checker and the evaluator `match` on [`Builtin`] without a catch-all
//! arm, so a builtin added to this table does not compile until both give it a rule.
//!
//! Invariant: names are unique, and [`FUNCTIONS`] lists the variants of [`Builtin`] in
//! declaration order, each once (checked by the tests below).

/// A built-in function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    Len,
    Join,
    Keys,
    Lower,
    Upper,
    String,
    Contains,
    ComponentName,
    CompositeName,
    VaultSecret,
    ExistingSecret,
    SecretRef,
    Public,
}

/// What the table says of a built-in function.
#[derive(Debug)]
pub struct BuiltinFn {
    pub builtin: Builtin,
    pub name: &'static str,
    /// Parameter names, for signatures; built-ins take positional arguments only.
    pub params: &'static [&'static str],
    /// The signature as users read it: `join(xs: List<String>, sep: String) -> String`.
    pub signature: &'static str,
    /// One line of documentation.
    pub doc: &'static str,
}

/// Every built-in function, in the order of `docs/language.md` §6.
pub const FUNCTIONS: &[BuiltinFn] = &[
    BuiltinFn {
        builtin: Builtin::Len,
        name: "len",
        params: &["x"],
        signature: "len(x) -> Int",
        doc: "the number of items of a list, entries of a map, fields of a record or characters of a string",
    },
    BuiltinFn {
        builtin: Builtin::Join,
        name: "join",
        params: &["xs", "sep"],
        signature: "join(xs: List<String>, sep: String) -> String",
        doc: "the items of `xs` separated by `sep`",
    },
    BuiltinFn {
        builtin: Builtin::Keys,
        name: "keys",
        params: &["m"],
        signature: "keys(m) -> List<String>",
        doc: "the keys of a map or the fields of a record, sorted",
    },
    BuiltinFn {
        builtin: Builtin::Lower,
        name: "lower",
        params: &["s"],
        signature: "lower(s: String) -> String",
        doc: "the string in lower case",
    },
    BuiltinFn {
        builtin: Builtin::Upper,
        name: "upper",
        params: &["s"],
        signature: "upper(s: String) -> String",
        doc: "the string in upper case",
    },
    BuiltinFn {
        builtin: Builtin::String,
        name: "string",
        params: &["x"],
        signature: "string(x) -> String",
        doc: "the text of an Int or a Bool: `\"8080\"`, `\"true\"`",
    },
    BuiltinFn {
        builtin: Builtin::Contains,
        name: "contains",
        params: &["xs", "x"],
        signature: "contains(xs, x) -> Bool",
        doc: "whether `x` is an item of the list `xs`, or a substring of the string `xs`",
    },
    BuiltinFn {
        builtin: Builtin::ComponentName,
        name: "component_name",
        params: &[],
        signature: "component_name() -> Label",
        doc: "the name of the component being evaluated; only in a component's body and the functions it calls (E0440 in a `let`)",
    },
    BuiltinFn {
        builtin: Builtin::CompositeName,
        name: "composite_name",
        params: &[],
        signature: "composite_name() -> Name",
        doc: "in a `composite` body: the name of each composite resource Crossplane composes (a patch from its `metadata.name`); E0163 elsewhere",
    },
    BuiltinFn {
        builtin: Builtin::VaultSecret,
        name: "vault_secret",
        params: &["path", "key"],
        signature: "vault_secret(path: String, key: String) -> Secret",
        doc: "the key `key` of the Vault KV version 2 secret at `path` (`<mount>/<path>`, without `data/`); `secrets.vault` in `std/secrets`",
    },
    BuiltinFn {
        builtin: Builtin::ExistingSecret,
        name: "existing_secret",
        params: &["name", "key"],
        signature: "existing_secret(name: Name, key: String) -> Secret",
        doc: "the key `key` of a Kubernetes Secret created outside the platform; `secrets.existing` in `std/secrets`",
    },
    BuiltinFn {
        builtin: Builtin::SecretRef,
        name: "secret_ref",
        params: &["secret"],
        signature: "secret_ref(secret: Secret) -> { name: Name, key: String }",
        doc: "the name and key of the Kubernetes Secret a reader reads the secret from (cedc syncs it there from Vault); never its contents",
    },
    BuiltinFn {
        builtin: Builtin::Public,
        name: "public",
        params: &["text", "reason"],
        signature: "public(text: String, reason: String) -> String",
        doc: "`text`, declared public material: the plaintext scanner lets it pass, and the object holding it names it in its `cedc.dev/public-material` annotation",
    },
];

/// Names of the built-in types (the checker gives each its meaning).
pub const TYPES: &[&str] = &[
    "String", "Int", "Bool", "Any", "Env", "Secret", "List", "Map", "Name", "Label", "Port", "Quantity", "Hostname",
    "Duration",
];

impl Builtin {
    /// The built-in function called `name`, if there is one.
    pub fn named(name: &str) -> Option<Builtin> {
        FUNCTIONS.iter().find(|f| f.name == name).map(|f| f.builtin)
    }
    /// Its entry in [`FUNCTIONS`].
    pub fn spec(self) -> &'static BuiltinFn {
        // FUNCTIONS lists the variants in declaration order (tested below).
        &FUNCTIONS[self as usize]
    }
    pub fn name(self) -> &'static str {
        self.spec().name
    }
    /// How many (positional) arguments it takes.
    pub fn arity(self) -> usize {
        self.spec().params.len()
    }
}

/// The names of every built-in function, for suggestions.
pub fn function_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|f| f.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_each_variant_once_in_order_and_names_are_unique() {
        for (i, f) in FUNCTIONS.iter().enumerate() {
            assert_eq!(f.builtin as usize, i, "{} is out of order", f.name);
            assert_eq!(Builtin::named(f.name), Some(f.builtin));
            assert_eq!(f.builtin.spec().name, f.name);
            assert!(f.signature.starts_with(&format!("{}(", f.name)), "{}", f.signature);
        }
        let mut names: Vec<&str> = function_names().collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FUNCTIONS.len());
        assert_eq!(Builtin::named("nope"), None);
    }

    #[test]
    fn arity_comes_from_the_parameters() {
        assert_eq!(Builtin::Join.arity(), 2);
        assert_eq!(Builtin::Contains.arity(), 2);
        assert_eq!(Builtin::Len.arity(), 1);
        assert_eq!(Builtin::ComponentName.arity(), 0);
    }
}
