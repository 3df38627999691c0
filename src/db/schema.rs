// Portable column types only (see STACK.md): BigInt, Integer, Text, Date,
// Timestamp. Lists of codes are stored as comma-separated text.

diesel::table! {
    authorities (id) {
        id -> BigInt,
        #[sql_name = "ref"]
        ref_ -> Text,
        country_code -> Text,
        name -> Text,
        name_local -> Nullable<Text>,
        acronym -> Nullable<Text>,
        kind -> Text,
        territory -> Nullable<Text>,
        address -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        city -> Nullable<Text>,
        phone -> Nullable<Text>,
        fax -> Nullable<Text>,
        email -> Nullable<Text>,
        website -> Nullable<Text>,
        languages -> Text,
        language_note -> Nullable<Text>,
        channels -> Text,
        urgent_contact -> Nullable<Text>,
        office_hours -> Nullable<Text>,
        time_zone -> Nullable<Text>,
        requirements -> Nullable<Text>,
        notes -> Nullable<Text>,
        verified_at -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    designations (id) {
        id -> BigInt,
        authority_id -> BigInt,
        instrument -> Text,
        article -> Integer,
        functions -> Text,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    contact_persons (id) {
        id -> BigInt,
        authority_id -> BigInt,
        seq -> Integer,
        name -> Text,
        position -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        languages -> Text,
    }
}

diesel::table! {
    directory_changes (generation) {
        generation -> BigInt,
        authority_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    measures_state (id) {
        id -> Integer,
        generation -> BigInt,
    }
}

diesel::table! {
    directory_state (id) {
        id -> Integer,
        generation -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Nullable<Text>,
        role -> Text,
        authority_id -> Nullable<BigInt>,
        password_hash -> Text,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        label -> Nullable<Text>,
        token_hash -> Text,
        prefix -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        email -> Text,
        address -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    changes (id) {
        id -> BigInt,
        authority_id -> BigInt,
        user_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        fields -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    measure_updates (id) {
        id -> BigInt,
        authority_id -> BigInt,
        status -> Text,
        base_id -> Nullable<BigInt>,
        operations -> Nullable<Text>,
        electronic_requests -> Nullable<Text>,
        electronic_address -> Nullable<Text>,
        originals_required -> Nullable<Text>,
        time_limits -> Nullable<Text>,
        video_hearings -> Nullable<Text>,
        surrenders -> Nullable<Text>,
        transfers -> Nullable<Text>,
        urgent_contact -> Nullable<Text>,
        remarks -> Nullable<Text>,
        language -> Nullable<Text>,
        effective_from -> Date,
        effective_until -> Nullable<Date>,
        rejection_reason -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        decided_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        template -> Text,
        recipient -> Text,
        context -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        bulletin_id -> Nullable<BigInt>,
        subscription_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> BigInt,
        email -> Text,
        name -> Nullable<Text>,
        authority_id -> Nullable<BigInt>,
        status -> Text,
        source -> Text,
        confirm_sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        unsubscribed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    bulletins (id) {
        id -> BigInt,
        number -> Nullable<Integer>,
        slot_at -> Timestamp,
        status -> Text,
        cause -> Text,
        compiled_at -> Timestamp,
        since -> Nullable<Timestamp>,
        subject -> Text,
        summary -> Text,
        entries -> Text,
    }
}

diesel::table! {
    bulletin_parts (id) {
        id -> BigInt,
        bulletin_id -> BigInt,
        edition -> Text,
        seq -> Integer,
        body -> Text,
    }
}

diesel::table! {
    scheduler_state (id) {
        id -> Integer,
        last_slot_at -> Nullable<Timestamp>,
        last_check_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reminders (id) {
        id -> BigInt,
        authority_id -> BigInt,
        email -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    proposals (id) {
        id -> BigInt,
        authority_id -> BigInt,
        status -> Text,
        kind -> Text,
        designations -> Text,
        base_kind -> Text,
        base_designations -> Text,
        reason -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(designations -> authorities (authority_id));
diesel::joinable!(proposals -> authorities (authority_id));
diesel::joinable!(subscriptions -> authorities (authority_id));
diesel::joinable!(reminders -> authorities (authority_id));
diesel::joinable!(contact_persons -> authorities (authority_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(changes -> authorities (authority_id));
diesel::joinable!(measure_updates -> authorities (authority_id));
diesel::joinable!(bulletin_parts -> bulletins (bulletin_id));

diesel::allow_tables_to_appear_in_same_query!(
    authorities,
    designations,
    contact_persons,
    directory_state,
    directory_changes,
    measures_state,
    users,
    sessions,
    api_tokens,
    login_failures,
    changes,
    measure_updates,
    mail_outbox,
    proposals,
    subscriptions,
    bulletins,
    bulletin_parts,
    scheduler_state,
    reminders,
);
