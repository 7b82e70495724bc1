//! The abstract syntax tree. Every node carries the [`Span`] of the source it came from;
//! later phases (types, evaluation, the language server) report and navigate with it.

use cedc_diagnostics::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A parsed `.ced` file: its declarations in order, and every comment (for the
/// formatter and documentation tools).
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    pub text: String,
    pub doc: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    /// `///` doc comment lines directly above the item, without the `///` marker.
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    Import(Import),
    Let(LetDecl),
    Type(TypeDecl),
    Fn(FnDecl),
    Composite(CompositeDecl),
    Env(EnvDecl),
    Component(ComponentDecl),
    Override(OverrideBlock),
}

impl Item {
    /// The name an item declares, if it declares one.
    pub fn name(&self) -> Option<&Ident> {
        match &self.kind {
            ItemKind::Import(_) | ItemKind::Override(_) => None,
            ItemKind::Let(d) => Some(&d.name),
            ItemKind::Type(d) => Some(&d.name),
            ItemKind::Fn(d) => Some(&d.name),
            ItemKind::Composite(d) => Some(&d.name),
            ItemKind::Env(d) => Some(&d.name),
            ItemKind::Component(d) => Some(&d.name),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    pub path: String,
    pub path_span: Span,
    pub alias: Option<Ident>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LetDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeDecl {
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FnDecl {
    pub name: Ident,
    pub params: Vec<Param>,
    pub ret: TypeExpr,
    pub body: Expr,
}

/// `composite "dns.example.org/v1alpha1" DnsRecord(spec: DnsRecordSpec) = body`: a
/// Crossplane composite resource type — its `apiVersion`, its kind (the name), the type
/// of its `spec` (the parameter's) — and the body, how it is composed, where the
/// parameter stands for the `spec` of each composite Crossplane will compose.
#[derive(Clone, Debug, PartialEq)]
pub struct CompositeDecl {
    pub api_version: String,
    pub api_version_span: Span,
    pub name: Ident,
    pub param: Param,
    pub body: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnvDecl {
    pub name: Ident,
    pub fields: Vec<RecordField>,
    pub body_span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ComponentDecl {
    pub name: Ident,
    pub body: Expr,
}

/// `in staging, sandbox { web.replicas = 1 }`
#[derive(Clone, Debug, PartialEq)]
pub struct OverrideBlock {
    pub envs: Vec<Ident>,
    pub sets: Vec<OverrideSet>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OverrideSet {
    /// The declaration overridden, then the field path inside it.
    pub path: Vec<Ident>,
    pub value: Expr,
    pub span: Span,
}

// ------------------------------------------------------------------------- types

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExprKind {
    /// `String`, `List<Int>`, `k8s.Probe`
    Named {
        path: Vec<Ident>,
        args: Vec<TypeExpr>,
    },
    Record {
        fields: Vec<TypeField>,
        open: bool,
    },
    /// `"web" | "worker"`
    Union(Vec<(String, Span)>),
    Optional(Box<TypeExpr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeField {
    pub name: Ident,
    pub optional: bool,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub doc: Option<String>,
    pub span: Span,
}

// ------------------------------------------------------------------- expressions

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Bool(bool),
    None,
    Str(StrExpr),
    Ident(Ident),
    /// The environment being evaluated: `env`, `env.domain`.
    Env,
    List(Vec<ListItem>),
    Record(Vec<RecordField>),
    Field(Box<Expr>, Ident),
    Index(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Arg>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Match(Box<Expr>, Vec<Arm>),
    For(Box<ForExpr>),
    LetIn(Box<LetIn>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct StrExpr {
    pub parts: Vec<StrPart>,
    /// `"""` strings keep their (dedented) line structure.
    pub triple: bool,
}

impl StrExpr {
    /// The text of a string without interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                StrPart::Text(t) => s.push_str(t),
                StrPart::Interp(_) => return None,
            }
        }
        Some(s)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    Text(String),
    Interp(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ListItem {
    Item(Expr),
    Spread(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct RecordField {
    pub key: Key,
    pub value: Expr,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Key {
    /// `name:` or `"app.kubernetes.io/name":` (shared: every record evaluated from this
    /// field holds this name, not a copy)
    Static(std::sync::Arc<str>, Span),
    /// `"{prefix}-name":` (only where a map is expected)
    Dynamic(StrExpr, Span),
}

impl Key {
    pub fn span(&self) -> Span {
        match self {
            Key::Static(_, s) | Key::Dynamic(_, s) => *s,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    With,
    Coalesce,
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::With => "with",
            BinaryOp::Coalesce => "??",
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    pub patterns: Vec<Pattern>,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    Wildcard(Span),
    Str(String, Span),
    Int(i64, Span),
    Bool(bool, Span),
    /// An environment name (when matching on `env`).
    Name(Ident),
}

impl Pattern {
    pub fn span(&self) -> Span {
        match self {
            Pattern::Wildcard(s) | Pattern::Str(_, s) | Pattern::Int(_, s) | Pattern::Bool(_, s) => *s,
            Pattern::Name(i) => i.span,
        }
    }
}

/// `[for k, v in xs if cond: body]`
#[derive(Clone, Debug, PartialEq)]
pub struct ForExpr {
    /// With two variables, the first binds the key (maps) or the index (lists).
    pub key: Option<Ident>,
    pub var: Ident,
    pub iter: Expr,
    pub cond: Option<Expr>,
    pub body: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LetIn {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub body: Expr,
}
