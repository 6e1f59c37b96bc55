//! One component taking part in a composition: its imports and exports, read with the
//! composition graph's own types so that links can be type-checked across components.

use serde::{Deserialize, Serialize};
use wac_graph::types::{ItemKind, Type, Types};
use wac_graph::PackageId;

/// What an imported or exported name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemClass {
    /// An interface instance with functions (or resources).
    Interface,
    /// An interface instance that holds only value types: nothing to call, nothing to
    /// implement, so any host gives it (Wasmtime needs no definition for it).
    TypesOnly,
    /// A function of the world itself (`import f: func();`).
    Function,
    /// A type of the world itself, taken from one of its interfaces (`use iface.{thing};`
    /// in a world with functions over `thing`): linked to that type of whatever provides the
    /// interface.
    Type,
    /// Anything else (a component, a module, a value, a type of no interface): never linked.
    Other,
}

impl ItemClass {
    /// Whether an export of class `export` can satisfy an import of this class.
    pub fn linkable_to(self, export: ItemClass) -> bool {
        match self {
            ItemClass::Interface | ItemClass::TypesOnly => {
                matches!(export, ItemClass::Interface | ItemClass::TypesOnly)
            }
            ItemClass::Function => export == ItemClass::Function,
            ItemClass::Type | ItemClass::Other => false,
        }
    }

    fn of(types: &Types, kind: &ItemKind) -> Self {
        match kind {
            ItemKind::Func(_) => ItemClass::Function,
            ItemKind::Type(Type::Resource(_) | Type::Value(_)) => ItemClass::Type,
            ItemKind::Instance(id) => {
                let values_only = types[*id]
                    .exports
                    .values()
                    .all(|k| matches!(k, ItemKind::Type(Type::Value(_))));
                if values_only {
                    ItemClass::TypesOnly
                } else {
                    ItemClass::Interface
                }
            }
            _ => ItemClass::Other,
        }
    }
}

/// A name a component imports or exports, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// `ns:pkg/iface@version` for an interface, the plain name for a function.
    pub name: String,
    pub class: ItemClass,
    /// For a type: the imported interface it is taken from, and its name there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub of: Option<TypeOf>,
}

/// Where a type a world imports comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeOf {
    /// The interface, as the component imports it.
    pub interface: String,
    /// The type's name in it.
    pub name: String,
}

/// One component of a composition.
#[derive(Debug, Clone)]
pub struct Part {
    /// Its name in the manifest.
    pub name: String,
    pub(crate) package: PackageId,
    pub(crate) bytes: Vec<u8>,
    /// What it imports, in its own order.
    pub imports: Vec<Item>,
    /// What it exports.
    pub exports: Vec<Item>,
}

impl Part {
    pub(crate) fn new(
        name: &str,
        package: PackageId,
        bytes: Vec<u8>,
        types: &Types,
        world: &wac_graph::types::World,
    ) -> Self {
        let items = |map: &mut dyn Iterator<Item = (&String, &ItemKind)>, imports: bool| {
            map.map(|(name, kind)| {
                let of = imports.then(|| type_of(types, world, kind)).flatten();
                let class = match (&of, ItemClass::of(types, kind)) {
                    (Some(_), _) => ItemClass::Type,
                    (None, ItemClass::Type) => ItemClass::Other,
                    (None, class) => class,
                };
                Item {
                    name: name.clone(),
                    class,
                    of,
                }
            })
            .collect()
        };
        Self {
            name: name.to_string(),
            package,
            imports: items(&mut world.imports.iter(), true),
            exports: items(&mut world.exports.iter(), false),
            bytes,
        }
    }

    /// The component's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Names of what it imports.
    pub fn import_names(&self) -> Vec<String> {
        self.imports.iter().map(|i| i.name.clone()).collect()
    }

    /// Names of what it exports.
    pub fn export_names(&self) -> Vec<String> {
        self.exports.iter().map(|i| i.name.clone()).collect()
    }

    /// Whether it holds only types: nothing imported, only types exported, as in what
    /// wit-component encodes for a WIT package (a component with code exports something to
    /// call).
    pub fn holds_only_types(&self) -> bool {
        self.imports.is_empty()
            && !self.exports.is_empty()
            && self.exports.iter().all(|e| e.class == ItemClass::Other)
    }

    /// Its export of `name`, if it can satisfy an import of class `class`.
    pub fn export_for(&self, name: &str, class: ItemClass) -> Option<&Item> {
        self.exports
            .iter()
            .find(|e| e.name == name && class.linkable_to(e.class))
    }
}

/// The interface a world's type import is taken from: one of the world's imported interfaces
/// exporting the same resource (or the same value type), and its name there.
fn type_of(types: &Types, world: &wac_graph::types::World, kind: &ItemKind) -> Option<TypeOf> {
    let ItemKind::Type(ty) = kind else {
        return None;
    };
    let same = |other: &Type| match (ty, other) {
        (Type::Resource(a), Type::Resource(b)) => origin(types, *a) == origin(types, *b),
        (Type::Value(a), Type::Value(b)) => a == b,
        _ => false,
    };
    world.imports.iter().find_map(|(interface, item)| {
        let ItemKind::Instance(id) = item else {
            return None;
        };
        types[*id]
            .exports
            .iter()
            .find_map(|(name, export)| match export {
                ItemKind::Type(t) if same(t) => Some(TypeOf {
                    interface: interface.clone(),
                    name: name.clone(),
                }),
                _ => None,
            })
    })
}

/// The resource an aliased resource stands for.
fn origin(types: &Types, mut id: wac_graph::types::ResourceId) -> wac_graph::types::ResourceId {
    // Alias chains are short; the bound guards a hostile component.
    for _ in 0..100 {
        match &types[id].alias {
            Some(alias) => id = alias.source,
            None => return id,
        }
    }
    id
}
