//! The people of a record (contacts), masked for callers not entitled to them.

use serde_json::Value;
use zhaoshang_types::{Contact, ContactFields};

use super::{Library, merge_patch, owner_of, reject};
use crate::core::audit;
use crate::core::auth::Principal;
use crate::core::auth::policy;
use crate::core::db::{self, Locked};
use crate::core::error::ApiError;
use crate::core::extract::{decode_object, unknown_keys};
use crate::core::http::{Precondition, check_version, to_json, version_conflict};
use crate::library::store::{self as store, ContactRow, RecordRow};
use crate::library::validate::Errors;
use crate::library::{Resource, mask};

pub(crate) async fn parent_for_contacts<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
) -> Result<RecordRow, ApiError> {
    let row = lib
        .db
        .read(move |conn| store::record(conn, R::RESOURCE, &id, false))
        .await?
        .ok_or_else(|| ApiError::not_found("no such record"))?;
    policy::require_visible(p, owner_of(&row))?;
    Ok(row)
}

fn check_contact(fields: &mut ContactFields) -> Result<(), ApiError> {
    let mut e = Errors::default();
    e.text("name", &mut fields.name, 50);
    e.opt_text("title", &mut fields.title, 100);
    e.phone("phone", &mut fields.phone);
    e.email("email", &mut fields.email);
    e.opt_text("wechat", &mut fields.wechat, 50);
    e.opt_text("notes", &mut fields.notes, 2000);
    reject(e)
}

const CONTACT_FIELDS: [&str; 6] = ["name", "title", "phone", "email", "wechat", "notes"];

fn decode_contact(value: Value) -> Result<ContactFields, ApiError> {
    decode_object(value, &CONTACT_FIELDS, None).map_err(ApiError::validation)
}

/// `GET /{resources}/{id}/contacts`: masked unless the caller is entitled.
pub async fn list_contacts<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
) -> Result<Vec<Contact>, ApiError> {
    let parent = parent_for_contacts::<R>(lib, p, id).await?;
    let full = policy::contacts_in_full(p, owner_of(&parent));
    let parent_id = parent.id.clone();
    let rows = lib
        .db
        .read(move |conn| store::contacts_of(conn, &parent_id))
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let contact = r.to_wire();
            if full { contact } else { masked(contact) }
        })
        .collect())
}

/// `POST /{resources}/{id}/contacts`.
pub async fn create_contact<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
    body: Value,
) -> Result<Contact, ApiError> {
    let parent = parent_for_contacts::<R>(lib, p, id).await?;
    policy::require_write(p, owner_of(&parent))?;
    let mut fields = decode_contact(body)?;
    check_contact(&mut fields)?;
    let actor = p.audit_actor();
    let contact = lib
        .db
        .write(move |conn| {
            let row = ContactRow::new(parent.id.clone(), fields);
            store::insert_contact(conn, &row)?;
            audit::created(conn, &actor, "contact", &row.id, &to_json(&row.fields()))?;
            Ok(row.to_wire())
        })
        .await?;
    Ok(contact)
}

/// `PATCH /{resources}/{id}/contacts/{contact_id}` (merge patch).
pub async fn update_contact<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
    contact_id: String,
    expected: Precondition,
    patch: Value,
) -> Result<Contact, ApiError> {
    let parent = parent_for_contacts::<R>(lib, p, id).await?;
    policy::require_write(p, owner_of(&parent))?;
    let Value::Object(patch_map) = &patch else {
        return Err(ApiError::invalid_field(
            "",
            "invalid_value",
            "a merge patch is a JSON object",
        ));
    };
    // Checked before merging: a `null` for a misspelt field would otherwise vanish silently.
    let unknown = unknown_keys(patch_map, &CONTACT_FIELDS, None);
    if !unknown.is_empty() {
        return Err(ApiError::validation(unknown));
    }
    let actor = p.audit_actor();
    let contact = lib
        .db
        .write(move |conn| {
            db::lock_row(conn, Locked::Contacts, &contact_id)?;
            let mut row = store::contact(conn, &parent.id, &contact_id)?
                .ok_or_else(|| ApiError::not_found("no such contact"))?;
            check_version(&expected, row.version)?;
            let before = to_json(&row.fields());
            let mut merged = before.clone();
            merge_patch(&mut merged, &patch);
            let mut fields = decode_contact(merged)?;
            check_contact(&mut fields)?;
            row.set_fields(fields);
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            if !store::update_contact(conn, &row, previous)? {
                return Err(version_conflict(previous + 1));
            }
            audit::record(
                conn,
                &actor,
                "update",
                "contact",
                Some(&row.id),
                Some(audit::diff(&before, &to_json(&row.fields()))),
            )?;
            Ok(row.to_wire())
        })
        .await?;
    Ok(contact)
}

/// `DELETE /{resources}/{id}/contacts/{contact_id}` (soft).
pub async fn delete_contact<R: Resource>(
    lib: &Library,
    p: &Principal,
    id: String,
    contact_id: String,
    expected: Precondition,
) -> Result<(), ApiError> {
    let parent = parent_for_contacts::<R>(lib, p, id).await?;
    policy::require_write(p, owner_of(&parent))?;
    let actor = p.audit_actor();
    lib.db
        .write(move |conn| {
            db::lock_row(conn, Locked::Contacts, &contact_id)?;
            let mut row = store::contact(conn, &parent.id, &contact_id)?
                .ok_or_else(|| ApiError::not_found("no such contact"))?;
            check_version(&expected, row.version)?;
            let previous = row.version;
            row.version += 1;
            row.updated_at = db::now();
            row.deleted_at = Some(row.updated_at);
            if !store::update_contact(conn, &row, previous)? {
                return Err(version_conflict(previous + 1));
            }
            audit::record(conn, &actor, "delete", "contact", Some(&row.id), None)
        })
        .await
}

/// A contact as shown to a caller not entitled to it in full: phone, e-mail and WeChat masked,
/// before anything is serialised.
fn masked(mut contact: Contact) -> Contact {
    let f = &mut contact.fields;
    f.phone = f.phone.as_deref().map(mask::phone);
    f.email = f.email.as_deref().map(mask::email);
    f.wechat = f.wechat.as_deref().map(mask::other);
    contact.masked = true;
    contact
}
