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

diesel::table! {
    comment_periods (id) {
        id -> Text,
        reference -> Text,
        revision -> Integer,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        close_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    comments (id) {
        id -> Text,
        created_seq -> BigInt,
        reference -> Text,
        revision -> Integer,
        period_id -> Text,
        clause_id -> Nullable<Text>,
        clause_position -> Integer,
        clause_hash -> Nullable<Text>,
        paragraph -> Nullable<Text>,
        comment_type -> Text,
        body -> Text,
        proposed_change -> Nullable<Text>,
        parent_id -> Nullable<Text>,
        member_code -> Text,
        author_client -> Text,
        status -> Text,
        response -> Nullable<Text>,
        resolved_in -> Nullable<Integer>,
        disposed_at -> Nullable<Timestamp>,
        disposed_by -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    ballots (id) {
        id -> Text,
        reference -> Text,
        revision -> Integer,
        content_hash -> Text,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        rule -> Text,
        electorate -> Integer,
        closed_at -> Nullable<Timestamp>,
        close_reason -> Nullable<Text>,
        outcome -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ballot_electorate (ballot_id, member_code) {
        ballot_id -> Text,
        member_code -> Text,
    }
}

diesel::table! {
    ratifications (ballot_id, member_code, version) {
        ballot_id -> Text,
        member_code -> Text,
        version -> Integer,
        current -> Bool,
        decision -> Text,
        reservations -> Text,
        reservations_hash -> Text,
        reasons -> Nullable<Text>,
        statement -> Nullable<Text>,
        cast_by -> Text,
        cast_at -> Timestamp,
        event_seq -> BigInt,
        event_hash -> Text,
        receipt -> Text,
    }
}

diesel::joinable!(clients -> members (member_code));
diesel::joinable!(revisions -> standards (reference));
diesel::allow_tables_to_appear_in_same_query!(
    members, clients, events, chain_head, standards, revisions, clauses
);
// A ballot's electorate and the member's current decision are read together with the member
// (casting a decision).
diesel::allow_tables_to_appear_in_same_query!(members, ballot_electorate, ratifications);
