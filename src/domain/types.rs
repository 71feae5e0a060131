//! The pack's type system (CONTRACT's Edm table): a property's type is an Edm primitive, an
//! enum, a complex type or a collection of one of those; complex and entity types may derive
//! from a base. Each type knows the clause that states its valid form.

use std::collections::BTreeMap;

use super::edm::Primitive;
use crate::contract::{C3_12, C3_13};

/// A property's type, with complex and enum types named (looked up in [`Types`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    Primitive(Primitive),
    Enum(String),
    Complex(String),
    Collection(Box<TypeRef>),
}

impl TypeRef {
    /// The clause that states this type's valid JSON form (CONTRACT, C3.4–C3.13).
    pub(crate) fn clause(&self) -> &'static str {
        match self {
            Self::Primitive(p) => p.clause(),
            Self::Enum(_) => C3_12,
            Self::Complex(_) | Self::Collection(_) => C3_13,
        }
    }

    /// How the type is written in a pack: `Edm.Int32`, `Collection(microsoft.graph.x)`.
    pub(crate) fn name(&self) -> String {
        match self {
            Self::Primitive(p) => p.name().to_owned(),
            Self::Enum(n) | Self::Complex(n) => n.clone(),
            Self::Collection(inner) => format!("Collection({})", inner.name()),
        }
    }
}

/// A structural property of an entity or complex type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    pub ty: TypeRef,
    /// Accepts `null` and comes back `null` (CONTRACT, "Contract packs").
    pub(crate) nullable: bool,
    /// Never changed by a PATCH (the key, and what the page marks read-only).
    pub(crate) read_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ComplexType {
    pub name: String,
    pub base: Option<String>,
    pub is_abstract: bool,
    /// Its own properties; a base type's are inherited.
    pub properties: Vec<Property>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnumType {
    pub name: String,
    /// A flags enum takes members joined by `,`.
    pub flags: bool,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EntityType {
    pub name: String,
    pub base: Option<String>,
    pub is_abstract: bool,
}

/// Every named type of a pack, by qualified name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Types {
    pub(crate) complex: BTreeMap<String, ComplexType>,
    pub(crate) enums: BTreeMap<String, EnumType>,
    pub(crate) entities: BTreeMap<String, EntityType>,
}

impl Types {
    /// Reads a type as a pack writes it; `Err` says which name is unknown.
    pub(crate) fn resolve(&self, written: &str) -> Result<TypeRef, String> {
        let written = written.trim();
        if let Some(inner) = written
            .strip_prefix("Collection(")
            .and_then(|r| r.strip_suffix(')'))
        {
            return Ok(TypeRef::Collection(Box::new(self.resolve(inner)?)));
        }
        if let Some(p) = Primitive::from_name(written) {
            return Ok(TypeRef::Primitive(p));
        }
        if self.enums.contains_key(written) {
            return Ok(TypeRef::Enum(written.to_owned()));
        }
        if self.complex.contains_key(written) {
            return Ok(TypeRef::Complex(written.to_owned()));
        }
        Err(written.to_owned())
    }

    /// The base of a complex or entity type.
    fn base_of(&self, name: &str) -> Option<&str> {
        self.complex
            .get(name)
            .and_then(|c| c.base.as_deref())
            .or_else(|| self.entities.get(name).and_then(|e| e.base.as_deref()))
    }

    /// True when `actual` is `wanted` or derives from it (names compared case-insensitively,
    /// as Graph matches type-cast segments).
    pub(crate) fn is_a(&self, actual: &str, wanted: &str) -> bool {
        let mut current = Some(actual);
        let mut hops = 0;
        while let Some(name) = current {
            if name.eq_ignore_ascii_case(wanted) {
                return true;
            }
            hops += 1;
            if hops > 64 {
                return false;
            }
            current = self
                .exact_name(name)
                .and_then(|n| self.base_of(n))
                .or_else(|| self.base_of(name));
        }
        false
    }

    /// The stored spelling of a type name given in any letter case.
    fn exact_name<'a>(&'a self, name: &str) -> Option<&'a str> {
        self.complex
            .keys()
            .chain(self.entities.keys())
            .find(|k| k.eq_ignore_ascii_case(name))
            .map(String::as_str)
    }

    /// A complex type's properties, its bases' first.
    pub(crate) fn complex_properties(&self, name: &str) -> Vec<&Property> {
        let mut chain = Vec::new();
        let mut current = self.complex.get(name);
        while let Some(c) = current {
            if chain.len() > 64 {
                break;
            }
            chain.push(c);
            current = c.base.as_deref().and_then(|b| self.complex.get(b));
        }
        chain
            .iter()
            .rev()
            .flat_map(|c| c.properties.iter())
            .collect()
    }

    /// The complex types that are `name` or derive from it, `name` first.
    pub(crate) fn complex_family(&self, name: &str) -> Vec<&ComplexType> {
        let mut family: Vec<&ComplexType> = self.complex.get(name).into_iter().collect();
        family.extend(
            self.complex
                .values()
                .filter(|c| c.name != name && self.is_a(&c.name, name)),
        );
        family
    }

    /// The entity types that are `name` or derive from it, `name` first.
    pub(crate) fn entity_family<'a>(&'a self, name: &'a str) -> Vec<&'a str> {
        let mut family = vec![name];
        family.extend(
            self.entities
                .keys()
                .filter(|k| k.as_str() != name && self.is_a(k, name))
                .map(String::as_str),
        );
        family
    }
}

/// A family of types, as strategies and type faults group them: one Edm primitive, or enums,
/// collections, complex types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Primitive(Primitive),
    Enum,
    Collection,
    Complex,
}

impl Family {
    /// Every family a pack can use: the primitives, then the structured ones.
    pub(crate) fn all() -> Vec<Family> {
        let mut all: Vec<Family> = Primitive::ALL
            .iter()
            .copied()
            .map(Family::Primitive)
            .collect();
        all.extend([Family::Enum, Family::Collection, Family::Complex]);
        all
    }

    /// The family a property of type `ty` belongs to (a collection is a collection, whatever
    /// its elements).
    pub(crate) fn of(ty: &TypeRef) -> Family {
        match ty {
            TypeRef::Primitive(p) => Family::Primitive(*p),
            TypeRef::Enum(_) => Family::Enum,
            TypeRef::Collection(_) => Family::Collection,
            TypeRef::Complex(_) => Family::Complex,
        }
    }

    pub(crate) fn word(self) -> &'static str {
        match self {
            Self::Primitive(p) => p.word(),
            Self::Enum => "enum",
            Self::Collection => "collection",
            Self::Complex => "complex",
        }
    }

    pub(crate) fn clause(self) -> &'static str {
        match self {
            Self::Primitive(p) => p.clause(),
            Self::Enum => C3_12,
            Self::Collection | Self::Complex => C3_13,
        }
    }

    /// True when a property of type `ty` is of this family, or holds it as a collection's
    /// elements.
    pub(crate) fn touches(self, ty: &TypeRef) -> bool {
        match (self, ty) {
            (Self::Collection, TypeRef::Collection(_)) => true,
            (Self::Collection, _) => false,
            (f, TypeRef::Collection(inner)) => f.touches(inner),
            (f, ty) => Family::of(ty) == f,
        }
    }
}
