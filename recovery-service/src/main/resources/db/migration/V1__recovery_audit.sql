-- Every recovery: who asked, for what, from which index, which tier answered, how many chunks, how long, the result.
create table recovery_audit (
    id             bigint generated always as identity primary key,
    user_id        varchar(128) not null,
    session_id     varchar(128) not null,
    message_id     varchar(128) not null,
    from_index     integer      not null,
    tier           varchar(16),
    status         varchar(16)  not null,
    chunks         integer      not null,
    latency_micros bigint       not null,
    created_at     timestamptz  not null default now()
);

create index recovery_audit_message on recovery_audit (message_id, created_at);
create index recovery_audit_user on recovery_audit (user_id, created_at);
