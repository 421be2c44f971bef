//! The schemas of the library's request bodies, made from the schemas of the wire types: a
//! record's fields as a create body, as a JSON merge patch and as a batch item. The wire types
//! describe what the server stores and answers; a request body adds what only requests have: no
//! fields besides the listed ones, merge-patch `null`s, and the formats of contact details (a
//! masked contact's phone or e-mail does not keep them).

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, Object, ObjectBuilder, OneOfBuilder, Schema, SchemaType,
    Type,
};
use utoipa::{PartialSchema, ToSchema};
use zhaoshang_types::{
    AgencyFields, ChainNodeFields, ContactFields, EnterpriseFields, IndustryFields, InvestorFields,
    SupplyLinkFields, TargetRegionFields,
};

/// A phone number as the server takes it: digits with `+ - ( )` and spaces, 5 to 20 digits;
/// blank for none.
pub const PHONE_PATTERN: &str = r"^\s*([-+() ]*([0-9][-+() ]*){5,20})?\s*$";

/// An e-mail address as the server takes it (`name@example.com`); blank for none.
pub const EMAIL_PATTERN: &str = r"^\s*([^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.])?\s*$";

/// The object schema of a derived wire type (every one of them is an object).
fn object_of<T: PartialSchema>() -> Object {
    match T::schema() {
        RefOr::T(Schema::Object(object)) => object,
        _ => Object::default(),
    }
}

/// No fields besides the listed ones.
fn closed(mut object: Object) -> Object {
    object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
    object
}

/// A JSON merge patch of the fields (RFC 7396): none is required, every one the fields do not
/// require may be `null` (the field returns to its default), no other fields.
fn merge_patch(mut object: Object, description: &str) -> Object {
    let required = std::mem::take(&mut object.required);
    for (name, property) in object.properties.iter_mut() {
        if !required.contains(name) {
            let schema = std::mem::replace(property, RefOr::T(Schema::default()));
            *property = nullable(schema);
        }
    }
    object.description = Some(description.to_owned());
    closed(object)
}

/// The schema, or `null`.
fn nullable(schema: RefOr<Schema>) -> RefOr<Schema> {
    let null = || {
        RefOr::T(Schema::Object(
            ObjectBuilder::new().schema_type(Type::Null).build(),
        ))
    };
    let with_null = |types: &mut SchemaType| match types {
        SchemaType::Type(t) if *t != Type::Null => {
            *types = SchemaType::Array(vec![t.clone(), Type::Null]);
        }
        SchemaType::Array(list) if !list.contains(&Type::Null) => list.push(Type::Null),
        _ => {}
    };
    match schema {
        RefOr::Ref(mut reference) => {
            let description = std::mem::take(&mut reference.description);
            RefOr::T(Schema::OneOf(
                OneOfBuilder::new()
                    .item(null())
                    .item(RefOr::Ref(reference))
                    .description(Some(description).filter(|d| !d.is_empty()))
                    .build(),
            ))
        }
        RefOr::T(Schema::Object(mut object)) => {
            with_null(&mut object.schema_type);
            RefOr::T(Schema::Object(object))
        }
        RefOr::T(Schema::Array(mut array)) => {
            with_null(&mut array.schema_type);
            RefOr::T(Schema::Array(array))
        }
        RefOr::T(Schema::OneOf(mut one_of)) => {
            let has_null = one_of.items.iter().any(|item| {
                matches!(item, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null))
            });
            if !has_null {
                one_of.items.insert(0, null());
            }
            RefOr::T(Schema::OneOf(one_of))
        }
        other => other,
    }
}

/// Gives a string property a pattern.
fn with_pattern(mut object: Object, name: &str, pattern: &str) -> Object {
    if let Some(RefOr::T(Schema::Object(property))) = object.properties.get_mut(name) {
        property.pattern = Some(pattern.to_owned());
    }
    object
}

/// Makes a property required and not `null`.
fn require(mut object: Object, name: &str) -> Object {
    if let Some(RefOr::T(Schema::Object(property))) = object.properties.get_mut(name) {
        if let SchemaType::Array(types) = &property.schema_type {
            let types: Vec<Type> = types
                .iter()
                .filter(|t| **t != Type::Null)
                .cloned()
                .collect();
            property.schema_type = match types.as_slice() {
                [one] => SchemaType::Type(one.clone()),
                _ => SchemaType::Array(types),
            };
        }
        if !object.required.iter().any(|r| r == name) {
            object.required.push(name.to_owned());
        }
    }
    object
}

/// The contact details' formats.
fn contact_formats(object: Object) -> Object {
    with_pattern(
        with_pattern(object, "phone", PHONE_PATTERN),
        "email",
        EMAIL_PATTERN,
    )
}

/// A doc-only type whose schema is made from `$fields`' schema by `$make`.
macro_rules! body_schema {
    ($(#[$meta:meta])* $name:ident, $fields:ty, $make:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let make: fn(Object) -> Object = $make;
                RefOr::T(Schema::Object(make(object_of::<$fields>())))
            }
        }

        impl ToSchema for $name {
            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                <$fields as ToSchema>::schemas(schemas);
            }
        }
    };
}

/// A batch of `$fields` for an agency sync: 1 to 1,000 items, each with `external_id`.
macro_rules! batch_schema {
    ($(#[$meta:meta])* $name:ident, $fields:ty) => {
        $(#[$meta])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let mut item = with_pattern(
                    require(closed(object_of::<$fields>()), "external_id"),
                    "external_id",
                    r"\S",
                );
                item.description = Some(
                    "A record of the batch: its fields with the agency's `external_id`; \
                     `source_agency_id` names the agency (implied for an agency)."
                        .to_owned(),
                );
                let items = ArrayBuilder::new()
                    .items(RefOr::T(Schema::Object(item)))
                    .min_items(Some(1))
                    .max_items(Some(crate::library::service::sync::MAX_BATCH))
                    .description(Some("1 to 1,000 records."));
                RefOr::T(Schema::Object(closed(
                    ObjectBuilder::new()
                        .description(Some(
                            "Records to upsert, keyed by (`source_agency_id`, `external_id`).",
                        ))
                        .property("items", items)
                        .required("items")
                        .build(),
                )))
            }
        }

        impl ToSchema for $name {
            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                <$fields as ToSchema>::schemas(schemas);
            }
        }
    };
}

body_schema!(
    /// A new key investor.
    NewInvestor, InvestorFields, closed
);
body_schema!(
    /// A new intermediary agency.
    NewAgency, AgencyFields, closed
);
body_schema!(
    /// A new target region.
    NewTargetRegion, TargetRegionFields, closed
);
body_schema!(
    /// A new key industry.
    NewIndustry, IndustryFields, closed
);
body_schema!(
    /// A new enterprise.
    NewEnterprise, EnterpriseFields, closed
);
body_schema!(
    /// A new contact.
    NewContact, ContactFields, |o| closed(contact_formats(o))
);
body_schema!(
    /// A new chain node.
    NewChainNode, ChainNodeFields, closed
);
body_schema!(
    /// A new supply link.
    NewSupplyLink, SupplyLinkFields, closed
);

body_schema!(
    /// Changes to a key investor.
    InvestorPatch, InvestorFields,
    |o| merge_patch(o, "Changes to a key investor: a JSON merge patch of its fields (absent fields stay, `null` returns a field to its default).")
);
body_schema!(
    /// Changes to an intermediary agency.
    AgencyPatch, AgencyFields,
    |o| merge_patch(o, "Changes to an intermediary agency: a JSON merge patch of its fields (absent fields stay, `null` returns a field to its default).")
);
body_schema!(
    /// Changes to a target region.
    TargetRegionPatch, TargetRegionFields,
    |o| merge_patch(o, "Changes to a target region: a JSON merge patch of its fields (absent fields stay, `null` returns a field to its default).")
);
body_schema!(
    /// Changes to a key industry.
    IndustryPatch, IndustryFields,
    |o| merge_patch(o, "Changes to a key industry: a JSON merge patch of its fields (absent fields stay, `null` returns a field to its default).")
);
body_schema!(
    /// Changes to an enterprise.
    EnterprisePatch, EnterpriseFields,
    |o| merge_patch(o, "Changes to an enterprise: a JSON merge patch of its fields (absent fields stay, `null` returns a field to its default).")
);
body_schema!(
    /// Changes to a contact.
    ContactPatch, ContactFields,
    |o| merge_patch(contact_formats(o), "Changes to a contact: a JSON merge patch of its fields (absent fields stay, `null` clears a field).")
);
body_schema!(
    /// Changes to a chain node.
    ChainNodePatch, ChainNodeFields,
    |o| merge_patch(o, "Changes to a chain node: a JSON merge patch of its fields (absent fields stay, `null` returns a field to its default).")
);

batch_schema!(
    /// A batch of investors.
    InvestorBatch, InvestorFields
);
batch_schema!(
    /// A batch of enterprises.
    EnterpriseBatch, EnterpriseFields
);

#[cfg(test)]
mod tests {
    use super::*;

    fn object(schema: RefOr<Schema>) -> Object {
        match schema {
            RefOr::T(Schema::Object(object)) => object,
            _ => panic!("not an object schema"),
        }
    }

    #[test]
    fn bodies_keep_the_fields_and_allow_no_others() {
        let new = object(NewInvestor::schema());
        assert_eq!(new.required, ["name"]);
        assert!(new.properties.contains_key("tags"));
        let json = serde_json::to_value(&new).expect("json");
        assert_eq!(json["additionalProperties"], false);

        let patch = object(InvestorPatch::schema());
        assert!(patch.required.is_empty());
        assert_eq!(patch.properties.len(), new.properties.len());
        let json = serde_json::to_value(&patch).expect("json");
        // `name` cannot be cleared; `kind` (a reference) and `tags` (an array) can.
        assert_eq!(json["properties"]["name"]["type"], "string");
        assert_eq!(json["properties"]["kind"]["oneOf"][0]["type"], "null");
        assert_eq!(
            json["properties"]["tags"]["type"],
            serde_json::json!(["array", "null"])
        );

        let contact = serde_json::to_value(object(NewContact::schema())).expect("json");
        assert_eq!(contact["properties"]["phone"]["pattern"], PHONE_PATTERN);
        assert_eq!(contact["properties"]["email"]["pattern"], EMAIL_PATTERN);

        let batch = serde_json::to_value(object(InvestorBatch::schema())).expect("json");
        let item = &batch["properties"]["items"]["items"];
        assert_eq!(item["required"], serde_json::json!(["name", "external_id"]));
        assert_eq!(item["properties"]["external_id"]["type"], "string");
        assert_eq!(item["properties"]["external_id"]["pattern"], r"\S");
    }
}
