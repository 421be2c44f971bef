//! Table definitions (diesel `table!`), kept equal to both migration folders.

diesel::table! {
    orgs (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        region_code -> Nullable<Text>,
        parent_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        org_id -> Text,
        role -> Text,
        active -> Bool,
        password_hash -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        password_changed_at -> Timestamp,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        name -> Text,
        org_id -> Text,
        role -> Text,
        secret_hash -> Text,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_name -> Nullable<Text>,
        org_id -> Nullable<Text>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        changes -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttle (username) {
        username -> Text,
        failures -> Integer,
        locked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(users -> orgs (org_id));
diesel::joinable!(clients -> orgs (org_id));

diesel::table! {
    records (id) {
        id -> Text,
        resource -> Text,
        name -> Text,
        name_key -> Text,
        search -> Text,
        kind -> Nullable<Text>,
        status -> Nullable<Text>,
        priority -> Nullable<Text>,
        region_code -> Nullable<Text>,
        country -> Nullable<Text>,
        credit_code -> Nullable<Text>,
        industry_codes -> Text,
        tags -> Text,
        owner_org_id -> Text,
        source_agency_id -> Nullable<Text>,
        external_id -> Nullable<Text>,
        is_local -> Nullable<Bool>,
        is_leading -> Nullable<Bool>,
        data -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        created_by -> Nullable<Text>,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contacts (id) {
        id -> Text,
        record_id -> Text,
        name -> Text,
        title -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        wechat -> Nullable<Text>,
        notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    chain_nodes (id) {
        id -> Text,
        industry_id -> Text,
        parent_id -> Nullable<Text>,
        name -> Text,
        position -> Text,
        key_products -> Text,
        notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    enterprise_nodes (enterprise_id, node_id) {
        enterprise_id -> Text,
        node_id -> Text,
        role -> Nullable<Text>,
        is_local -> Bool,
        is_leading -> Bool,
    }
}

diesel::table! {
    supply_links (id) {
        id -> Text,
        supplier_id -> Text,
        customer_id -> Text,
        product -> Nullable<Text>,
        notes -> Nullable<Text>,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    record_grams (gram, record_id) {
        gram -> Text,
        record_id -> Text,
        region_code -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    record_grams,
    orgs,
    users,
    clients,
    audit_log,
    login_throttle,
    records,
    contacts,
    chain_nodes,
    enterprise_nodes,
    supply_links
);

diesel::allow_columns_to_appear_in_same_group_by_clause!(
    enterprise_nodes::node_id,
    records::is_local
);
