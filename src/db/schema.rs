//! The portable schema: text, integers, booleans and timestamps only, so that one `schema.rs`
//! serves both backends.

diesel::table! {
    members (code) {
        code -> Text,
        name -> Text,
        kind -> Text,
        voting -> Bool,
        region -> Text,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        name -> Text,
        member_code -> Nullable<Text>,
        roles -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        at -> Timestamp,
        event_type -> Text,
        actor_client -> Nullable<Text>,
        actor_member -> Nullable<Text>,
        subject -> Text,
        data -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    chain_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    standards (reference) {
        reference -> Text,
        title -> Text,
        scope -> Text,
        topics -> Text,
        committee -> Text,
        stage -> Text,
        supersedes -> Nullable<Text>,
        superseded_by -> Nullable<Text>,
        latest_revision -> Integer,
        latest_hash -> Nullable<Text>,
        ratified_revision -> Nullable<Integer>,
        ratified_hash -> Nullable<Text>,
        withdrawn_reason -> Nullable<Text>,
        search_text -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    revisions (reference, number) {
        reference -> Text,
        number -> Integer,
        summary -> Text,
        content_hash -> Text,
        clause_count -> Integer,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    clauses (reference, revision, position) {
        reference -> Text,
        revision -> Integer,
        position -> Integer,
        clause_id -> Text,
        heading -> Text,
        body -> Text,
        clause_hash -> Text,
    }
}

diesel::joinable!(clients -> members (member_code));
diesel::joinable!(revisions -> standards (reference));
diesel::allow_tables_to_appear_in_same_query!(
    members, clients, events, chain_head, standards, revisions, clauses
);
