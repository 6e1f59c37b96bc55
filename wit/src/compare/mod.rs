//! Structural comparison of WIT items that live in two different [`Resolve`]s: a world and
//! the world decoded from a component, or what one component imports and what another
//! exports. Named types are followed to their definitions, so a record field added or
//! retyped, a variant case renamed, an enum case added or a flag removed is found wherever
//! it is used; each difference is one sentence naming the type, the member and both sides.
//!
//! This is the readable half of a check whose authority is the Component Model's own
//! subtyping (see [`crate::contract`]); type names themselves do not matter there, only
//! structure and member names, and so it is here.

use std::collections::HashSet;

use wit_parser::{Function, Handle, InterfaceId, Resolve, Type, TypeDefKind, TypeId};

use crate::render::{primitive, signature, type_name};

use crate::members::{line_up, Member, Members};

/// The two sides being compared, and how messages name them (`the world`, `the component`).
#[derive(Clone, Copy)]
pub struct Sides<'a> {
    pub left: &'a Resolve,
    pub right: &'a Resolve,
    pub left_name: &'a str,
    pub right_name: &'a str,
}

/// How one interface of the left side compares with the same interface on the right.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InterfaceDiff {
    /// Functions only the left side has.
    pub only_left: Vec<String>,
    /// Functions only the right side has.
    pub only_right: Vec<String>,
    /// Functions on both sides whose types differ: (function, its left signature, its right
    /// signature, each difference in words).
    pub changed: Vec<FunctionDiff>,
    /// Named types of the interface (not reached through a function) that differ.
    pub types: Vec<String>,
}

/// A function both sides have, with different types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionDiff {
    pub function: String,
    pub left: String,
    pub right: String,
    pub differences: Vec<String>,
}

impl InterfaceDiff {
    /// Whether the two sides agree.
    pub fn is_empty(&self) -> bool {
        self.only_left.is_empty()
            && self.only_right.is_empty()
            && self.changed.is_empty()
            && self.types.is_empty()
    }
}

/// Compares interface `left` with interface `right`: their functions by name, then each
/// function's parameters and result through every named type; then named types that no
/// function reaches (an interface of types only).
pub fn interfaces(sides: Sides<'_>, left: InterfaceId, right: InterfaceId) -> InterfaceDiff {
    let (l, r) = (&sides.left.interfaces[left], &sides.right.interfaces[right]);
    let mut out = InterfaceDiff::default();
    let mut walk = Walk::new(sides);
    for (name, lf) in &l.functions {
        match r.functions.get(name) {
            None => out.only_left.push(name.clone()),
            Some(rf) => {
                let differences = walk.function(lf, rf);
                if !differences.is_empty() {
                    out.changed.push(FunctionDiff {
                        function: name.clone(),
                        left: signature(sides.left, lf),
                        right: signature(sides.right, rf),
                        differences,
                    });
                }
            }
        }
    }
    out.only_right = r
        .functions
        .keys()
        .filter(|n| !l.functions.contains_key(*n))
        .cloned()
        .collect();
    for (name, lt) in &l.types {
        match r.types.get(name) {
            Some(rt) => {
                walk.out.clear();
                walk.ty(&Type::Id(*lt), &Type::Id(*rt), &format!("type `{name}`"));
                out.types.append(&mut walk.out);
            }
            None => out.types.push(format!(
                "{} defines type `{name}`, {} does not",
                sides.left_name, sides.right_name
            )),
        }
    }
    out
}

/// The differences between two functions, in words (empty when they agree).
pub fn functions(sides: Sides<'_>, left: &Function, right: &Function) -> Vec<String> {
    Walk::new(sides).function(left, right)
}

/// Walks two type graphs side by side, collecting what differs.
struct Walk<'a> {
    sides: Sides<'a>,
    seen: HashSet<(TypeId, TypeId)>,
    out: Vec<String>,
}

impl<'a> Walk<'a> {
    fn new(sides: Sides<'a>) -> Self {
        Self {
            sides,
            seen: HashSet::new(),
            out: Vec::new(),
        }
    }

    fn function(&mut self, l: &Function, r: &Function) -> Vec<String> {
        self.out.clear();
        let (ln, rn) = (self.sides.left_name, self.sides.right_name);
        if l.params.len() != r.params.len() {
            self.out.push(format!(
                "`{}`: {ln} has {} parameters, {rn} has {}",
                l.name,
                l.params.len(),
                r.params.len()
            ));
        }
        for (lp, rp) in l.params.iter().zip(&r.params) {
            if lp.name != rp.name {
                self.out.push(format!(
                    "`{}`: a parameter is `{}` in {ln}, `{}` in {rn}",
                    l.name, lp.name, rp.name
                ));
            }
            self.ty(
                &lp.ty,
                &rp.ty,
                &format!("parameter `{}` of `{}`", lp.name, l.name),
            );
        }
        match (&l.result, &r.result) {
            (Some(lt), Some(rt)) => self.ty(lt, rt, &format!("the result of `{}`", l.name)),
            (None, None) => {}
            (Some(lt), None) => self.out.push(format!(
                "`{}`: {ln} returns `{}`, {rn} returns nothing",
                l.name,
                type_name(self.sides.left, lt)
            )),
            (None, Some(rt)) => self.out.push(format!(
                "`{}`: {ln} returns nothing, {rn} returns `{}`",
                l.name,
                type_name(self.sides.right, rt)
            )),
        }
        std::mem::take(&mut self.out)
    }

    /// Compares two uses of a type, `at` saying where they are used.
    fn ty(&mut self, l: &Type, r: &Type, at: &str) {
        let (l, r) = (dealias(self.sides.left, *l), dealias(self.sides.right, *r));
        match (l, r) {
            (Type::Id(li), Type::Id(ri)) => self.defined(li, ri, at),
            (Type::Id(_), _) | (_, Type::Id(_)) => self.differ(at, &l, &r),
            _ if primitive(&l) != primitive(&r) => self.differ(at, &l, &r),
            _ => {}
        }
    }

    fn differ(&mut self, at: &str, l: &Type, r: &Type) {
        let (ln, rn) = (self.sides.left_name, self.sides.right_name);
        self.out.push(format!(
            "{at}: {ln} has `{}`, {rn} has `{}`",
            type_name(self.sides.left, l),
            type_name(self.sides.right, r)
        ));
    }

    fn defined(&mut self, li: TypeId, ri: TypeId, at: &str) {
        let (Type::Id(li), Type::Id(ri)) = (
            dealias(self.sides.left, Type::Id(li)),
            dealias(self.sides.right, Type::Id(ri)),
        ) else {
            return self.differ(at, &Type::Id(li), &Type::Id(ri));
        };
        if !self.seen.insert((li, ri)) {
            return;
        }
        let (ln, rn) = (self.sides.left_name, self.sides.right_name);
        let (ld, rd) = (&self.sides.left.types[li], &self.sides.right.types[ri]);
        // Inside a named type, say which one.
        let here = match &ld.name {
            Some(name) => format!("{} `{name}`", ld.kind.as_str()),
            None => at.to_string(),
        };
        // Records, variants, enums and flags: member by member.
        if let (Some(a), Some(b)) = (Members::of(&ld.kind), Members::of(&rd.kind)) {
            if ld.kind.as_str() == rd.kind.as_str() {
                return self.members(&here, &a, &b);
            }
        }
        match (&ld.kind, &rd.kind) {
            (TypeDefKind::Tuple(a), TypeDefKind::Tuple(b)) => {
                if a.types.len() != b.types.len() {
                    self.out.push(format!(
                        "{here}: {ln} has a tuple of {}, {rn} a tuple of {}",
                        a.types.len(),
                        b.types.len()
                    ));
                } else {
                    for (i, (x, y)) in a.types.iter().zip(&b.types).enumerate() {
                        self.ty(x, y, &format!("{here}, element {i}"));
                    }
                }
            }
            (TypeDefKind::List(x), TypeDefKind::List(y))
            | (TypeDefKind::Option(x), TypeDefKind::Option(y)) => {
                self.ty(x, y, &format!("{here}, element"))
            }
            (TypeDefKind::FixedLengthList(x, n), TypeDefKind::FixedLengthList(y, m)) => {
                if n != m {
                    self.out.push(format!(
                        "{here}: {ln} has a list of {n}, {rn} a list of {m}"
                    ));
                }
                self.ty(x, y, &format!("{here}, element"))
            }
            (TypeDefKind::Result(a), TypeDefKind::Result(b)) => {
                self.optional(a.ok.as_ref(), b.ok.as_ref(), &format!("{here}, ok"));
                self.optional(a.err.as_ref(), b.err.as_ref(), &format!("{here}, error"));
            }
            (TypeDefKind::Future(a), TypeDefKind::Future(b))
            | (TypeDefKind::Stream(a), TypeDefKind::Stream(b)) => {
                self.optional(a.as_ref(), b.as_ref(), &format!("{here}, payload"))
            }
            (TypeDefKind::Handle(a), TypeDefKind::Handle(b)) => {
                let (own_a, ra) = handle(a);
                let (own_b, rb) = handle(b);
                if own_a != own_b {
                    self.out.push(format!(
                        "{here}: {ln} has `{}`, {rn} has `{}`",
                        type_name(self.sides.left, &Type::Id(li)),
                        type_name(self.sides.right, &Type::Id(ri))
                    ));
                }
                self.defined(ra, rb, &here);
            }
            (TypeDefKind::Resource, TypeDefKind::Resource) => {
                // Resources are nominal: the same resource of the same interface.
                let ln_ = self.sides.left.types[li].name.clone().unwrap_or_default();
                let rn_ = self.sides.right.types[ri].name.clone().unwrap_or_default();
                if ln_ != rn_ {
                    self.out.push(format!(
                        "{at}: {ln} has resource `{ln_}`, {rn} has resource `{rn_}`"
                    ));
                }
            }
            (a, b) => self.out.push(format!(
                "{here}: {ln} has a {} (`{}`), {rn} has a {} (`{}`)",
                a.as_str(),
                type_name(self.sides.left, &Type::Id(li)),
                b.as_str(),
                type_name(self.sides.right, &Type::Id(ri))
            )),
        }
    }

    /// Two definitions' members, lined up: each on both sides compared by what it carries,
    /// each other one said.
    fn members(&mut self, here: &str, a: &Members<'_>, b: &Members<'_>) {
        let (sl, sr) = (self.sides.left, self.sides.right);
        let describe = |r: &Resolve, m: &Members<'_>, i: usize| match (m.what, m.items[i].1) {
            ("field", Some(ty)) => format!("field `{}: {}`", m.items[i].0, type_name(r, ty)),
            (what, _) => format!("{what} `{}`", m.items[i].0),
        };
        for m in line_up(a, b) {
            match m {
                Member::Both(i, j) => {
                    let at = format!("{here}, {} `{}`", a.what, a.items[i].0);
                    self.payload(a.items[i].1, b.items[j].1, &at);
                }
                other => self.member(here, other, &|i| describe(sl, a, i), &|j| {
                    describe(sr, b, j)
                }),
            }
        }
    }

    /// A member that is not simply on both sides: missing on one, renamed, or moved.
    fn member(
        &mut self,
        here: &str,
        m: Member,
        left: &dyn Fn(usize) -> String,
        right: &dyn Fn(usize) -> String,
    ) {
        let (ln, rn) = (self.sides.left_name, self.sides.right_name);
        self.out.push(match m {
            Member::Both(..) => return,
            Member::OnlyLeft(i) => format!("{here}: {ln} has {}, {rn} does not", left(i)),
            Member::OnlyRight(j) => format!("{here}: {rn} has {}, {ln} does not", right(j)),
            Member::Renamed(i, j) => {
                format!("{here}: {} in {ln} is {} in {rn}", left(i), right(j))
            }
            Member::Moved { name, left: i, right: j } => format!(
                "{here}: `{name}` is member {} in {ln} and member {} in {rn} (the order is part of the type)",
                i + 1,
                j + 1
            ),
        });
    }

    /// A variant case's payload on each side.
    fn payload(&mut self, l: Option<&Type>, r: Option<&Type>, at: &str) {
        let (ln, rn) = (self.sides.left_name, self.sides.right_name);
        match (l, r) {
            (Some(x), Some(y)) => self.ty(x, y, at),
            (None, None) => {}
            (Some(x), None) => self.out.push(format!(
                "{at}: {ln} carries `{}`, {rn} carries nothing",
                type_name(self.sides.left, x)
            )),
            (None, Some(y)) => self.out.push(format!(
                "{at}: {ln} carries nothing, {rn} carries `{}`",
                type_name(self.sides.right, y)
            )),
        }
    }

    fn optional(&mut self, l: Option<&Type>, r: Option<&Type>, at: &str) {
        let (ln, rn) = (self.sides.left_name, self.sides.right_name);
        match (l, r) {
            (Some(x), Some(y)) => self.ty(x, y, at),
            (None, None) => {}
            (Some(x), None) => self.out.push(format!(
                "{at}: {ln} has `{}`, {rn} has none",
                type_name(self.sides.left, x)
            )),
            (None, Some(y)) => self.out.push(format!(
                "{at}: {ln} has none, {rn} has `{}`",
                type_name(self.sides.right, y)
            )),
        }
    }
}

/// Follows type aliases (`type a = b;`, and `use`d types) to the definition.
fn dealias(r: &Resolve, mut ty: Type) -> Type {
    // Alias chains are finite (WIT has no recursive types); the bound guards hostile input.
    for _ in 0..1000 {
        match ty {
            Type::Id(id) => match &r.types[id].kind {
                TypeDefKind::Type(next) => ty = *next,
                _ => return ty,
            },
            _ => return ty,
        }
    }
    ty
}

/// (whether it is `own`, the resource).
fn handle(h: &Handle) -> (bool, TypeId) {
    match h {
        Handle::Own(id) => (true, *id),
        Handle::Borrow(id) => (false, *id),
    }
}
