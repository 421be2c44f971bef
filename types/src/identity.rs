//! Organisations, people, service clients, tokens and the audit trail.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::patch::double_option;

/// Kind of organisation. 组织类型：招商局、市级部门、县(市、区)、开发区、中介机构。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 招商局, the investment promotion bureau that runs the platform.
    Bureau,
    /// 市级部门, a municipal department.
    Department,
    /// 县(市、区), a county-level unit (with a GB/T 2260 region code).
    County,
    /// 开发区 / 园区, a development zone.
    Zone,
    /// 中介机构, an intermediary agency.
    Agency,
}

impl OrgKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Bureau => "bureau",
            OrgKind::Department => "department",
            OrgKind::County => "county",
            OrgKind::Zone => "zone",
            OrgKind::Agency => "agency",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Bureau,
            Self::Department,
            Self::County,
            Self::Zone,
            Self::Agency,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Role of a user or service client; decides what it may see and change.
/// 角色：admin 管理员、bureau 招商局、department 市级部门、county 县市区、zone 开发区、agency 中介机构、reader 只读系统。
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including organisations, users, clients and the audit trail.
    Admin,
    /// The bureau: reads and writes all shared information, reads the audit trail.
    Bureau,
    /// A municipal department: reads all, changes what its organisation owns.
    Department,
    /// A county-level unit: reads all, changes what its organisation owns.
    County,
    /// A development zone: reads all, changes what its organisation owns.
    Zone,
    /// An intermediary agency: sees and changes only its own records.
    Agency,
    /// A read-only system: reads all, personal contact details masked.
    Reader,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Bureau,
        Role::Department,
        Role::County,
        Role::Zone,
        Role::Agency,
        Role::Reader,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Bureau => "bureau",
            Role::Department => "department",
            Role::County => "county",
            Role::Zone => "zone",
            Role::Agency => "agency",
            Role::Reader => "reader",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// An organisation. 组织。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Org {
    /// Id (UUID v7).
    pub id: String,
    /// Kind. 组织类型。
    pub kind: OrgKind,
    /// Name. 名称。
    pub name: String,
    /// GB/T 2260 six-digit region code (counties). 行政区划代码。
    pub region_code: Option<String>,
    /// Parent organisation. 上级组织。
    pub parent_id: Option<String>,
    /// Version, raised by every change; send it back as `If-Match`.
    pub version: i64,
    /// Created at (UTC).
    pub created_at: DateTime<Utc>,
    /// Last changed at (UTC).
    pub updated_at: DateTime<Utc>,
    /// Deleted at (UTC), for deleted organisations shown to administrators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A new organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    /// Kind. 组织类型。
    pub kind: OrgKind,
    /// Name (1–100 characters, unique per kind). 名称。
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// GB/T 2260 six-digit region code, required for a county; empty means none. 行政区划代码。
    #[serde(default)]
    #[schema(pattern = r"^\s*([0-9]{6})?\s*$")]
    pub region_code: Option<String>,
    /// Parent organisation id. 上级组织。
    #[serde(default)]
    pub parent_id: Option<String>,
}

/// Changes to an organisation (JSON merge patch: absent fields stay, `null` clears).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgPatch {
    /// New name (1–100 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Option<String>,
    /// New region code, or `null` to clear.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    #[schema(value_type = Option<String>, pattern = r"^\s*([0-9]{6})?\s*$")]
    pub region_code: Option<Option<String>>,
    /// New parent, or `null` to clear.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<Option<String>>,
}

/// A user account. 用户。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// Id (UUID v7).
    pub id: String,
    /// Login name (lower case). 登录名。
    pub username: String,
    /// Name shown to people. 显示名称。
    pub display_name: String,
    /// Organisation. 所属组织。
    pub org_id: String,
    /// Role. 角色。
    pub role: Role,
    /// Whether the user may sign in. 是否启用。
    pub active: bool,
    /// Version; send it back as `If-Match`.
    pub version: i64,
    /// Created at (UTC).
    pub created_at: DateTime<Utc>,
    /// Last changed at (UTC).
    pub updated_at: DateTime<Utc>,
}

/// A new user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login name: 3–64 of `a-z 0-9 . _ -`, stored in lower case. 登录名。
    #[schema(pattern = r"^\s*[A-Za-z0-9._-]{3,64}\s*$")]
    pub username: String,
    /// Name shown to people (1–100 characters). 显示名称。
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub display_name: String,
    /// Organisation id. 所属组织。
    pub org_id: String,
    /// Role; must suit the organisation's kind. 角色。
    pub role: Role,
    /// Initial password (10–256 characters). 初始密码。
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
}

/// Changes to a user (merge patch). `{"active": false}` deactivates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// New display name (1–100 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub display_name: Option<String>,
    /// New organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// New role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// `false` deactivates (tokens stop working at once), `true` reactivates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// A new password set by an administrator (10–256 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 10, max_length = 256)]
    pub password: Option<String>,
}

/// A user's own password change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The current password. 当前密码。
    pub current_password: String,
    /// The new password (10–256 characters). 新密码。
    #[schema(min_length = 10, max_length = 256)]
    pub new_password: String,
}

/// A service client of another system (client credentials). 系统接入客户端。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServiceClient {
    /// The client id (use it as `client_id`).
    pub id: String,
    /// Name of the system. 接入系统名称。
    pub name: String,
    /// Organisation it acts for.
    pub org_id: String,
    /// Role.
    pub role: Role,
    /// When its tokens stop being issued (UTC); `null` for never.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked; `null` while usable.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Version; send it back as `If-Match`.
    pub version: i64,
    /// Created at (UTC).
    pub created_at: DateTime<Utc>,
    /// Last changed at (UTC).
    pub updated_at: DateTime<Utc>,
}

/// A new service client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    /// Name of the system (1–100 characters). 接入系统名称。
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// Organisation it acts for.
    pub org_id: String,
    /// Role; must suit the organisation's kind.
    pub role: Role,
    /// Optional expiry (UTC, in the future).
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A created service client, with its secret. The secret is shown only in this response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClientCreated {
    /// The client id.
    pub client_id: String,
    /// The client secret: store it now, it is never shown again. 密钥仅显示一次。
    pub client_secret: String,
    /// The client.
    #[serde(flatten)]
    pub client: ServiceClient,
}

/// Changes to a service client (merge patch).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    /// New name (1–100 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Option<String>,
    /// New role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// New expiry, or `null` for none.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "double_option"
    )]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// A token request (OAuth 2.0 style), as form fields or JSON. Its schema in the document
/// ([`TokenGrants`]) shows the fields each grant needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `password` or `client_credentials`.
    pub grant_type: String,
    /// For `password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// For `password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// For `client_credentials`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// For `client_credentials`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Ignored; accepted for OAuth client compatibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl utoipa::PartialSchema for TokenRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <TokenGrants as utoipa::PartialSchema>::schema()
    }
}

impl ToSchema for TokenRequest {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <TokenGrants as ToSchema>::schemas(schemas);
    }
}

/// A token request (OAuth 2.0 style), as form fields or JSON: the fields each grant needs.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum TokenGrants {
    Password(PasswordGrant),
    ClientCredentials(ClientCredentialsGrant),
}

/// A user signs in with a name and password.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PasswordGrant {
    /// `password`.
    #[schema(inline)]
    grant_type: PasswordGrantType,
    /// The login name (any case).
    #[schema(min_length = 1)]
    username: String,
    /// The password.
    #[schema(min_length = 1)]
    password: String,
    /// Ignored with this grant.
    client_id: Option<String>,
    /// Ignored with this grant.
    client_secret: Option<String>,
    /// Ignored; accepted for OAuth client compatibility.
    scope: Option<String>,
}

/// A service client signs in with its id and secret.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ClientCredentialsGrant {
    /// `client_credentials`.
    #[schema(inline)]
    grant_type: ClientCredentialsGrantType,
    /// The client id.
    #[schema(min_length = 1)]
    client_id: String,
    /// The client secret.
    #[schema(min_length = 1)]
    client_secret: String,
    /// Ignored with this grant.
    username: Option<String>,
    /// Ignored with this grant.
    password: Option<String>,
    /// Ignored; accepted for OAuth client compatibility.
    scope: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum PasswordGrantType {
    Password,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum ClientCredentialsGrantType {
    ClientCredentials,
}

/// An issued access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// The JWT; send it as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// Who the caller is. 当前调用者身份。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// `user` or `client`.
    pub kind: String,
    /// User or client id.
    pub id: String,
    /// Username or client name.
    pub name: String,
    /// Display name (users).
    pub display_name: Option<String>,
    /// Role.
    pub role: Role,
    /// The caller's organisation.
    pub org: Org,
    /// What the role allows, e.g. `shared:write:own_org`, `contacts:masked`, `audit:read`.
    pub permissions: Vec<String>,
}

/// One audit row. 审计记录。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// Strictly increasing sequence number, never reused. 序号。
    pub seq: i64,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// User or client id (absent for failed logins of unknown names and for the CLI).
    pub actor_id: Option<String>,
    /// Username or client name as given.
    pub actor_name: Option<String>,
    /// The actor's organisation.
    pub org_id: Option<String>,
    /// `create`, `update`, `delete`, `restore`, `login`, `login_failed`, `password_change`, `revoke`.
    pub action: String,
    /// `org`, `user`, `client`, ...
    pub resource_type: String,
    /// The record's id.
    pub resource_id: Option<String>,
    /// The request id.
    pub request_id: Option<String>,
    /// The client IP address.
    pub ip: Option<String>,
    /// Changed fields: `{"field": {"before": ..., "after": ...}}`; secrets are never recorded.
    pub changes: Option<serde_json::Value>,
}

/// Filters of `GET /api/v1/orgs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrgQuery {
    /// Only this kind. 组织类型。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<OrgKind>,
    /// Only children of this organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Name contains this text. 名称包含。
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Include deleted organisations (administrators only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_deleted: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^([0-9A-Fa-f]{2}){0,256}$")]
    pub cursor: Option<String>,
}

/// Filters of `GET /api/v1/users`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only users of this organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Only this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Only active (`true`) or deactivated (`false`) users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Username or display name contains this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Page size, 1–500 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^([0-9A-Fa-f]{2}){0,256}$")]
    pub cursor: Option<String>,
}

/// Filters of `GET /api/v1/clients`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClientQuery {
    /// Only clients of this organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Page size, 1–500 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^([0-9A-Fa-f]{2}){0,256}$")]
    pub cursor: Option<String>,
}

/// Filters of `GET /api/v1/audit`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Resource type: `org`, `user`, `client`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Actor (user or client) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
    /// Action: `create`, `update`, `delete`, `revoke`, `login`, `login_failed`, `password_change`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// From this time on (RFC 3339, inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// Before this time (RFC 3339, exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    /// Page size, 1–500 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^([0-9A-Fa-f]{2}){0,256}$")]
    pub cursor: Option<String>,
}
