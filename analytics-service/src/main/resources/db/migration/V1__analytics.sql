-- Events applied once: the id of every event that changed something.
create table processed_events (
    event_id     varchar(64) primary key,
    processed_at timestamptz not null default now()
);

-- One row per answer, from its stream events (and its recoveries, from the session events).
create table message_analytics (
    message_id            varchar(80)  primary key,
    user_id               varchar(128) not null,
    model                 varchar(128),
    provider              varchar(32),
    status                varchar(16)  not null default 'STREAMING',
    started_at            timestamptz,
    first_chunk_at        timestamptz,
    ended_at              timestamptz,
    time_to_first_chunk_ms bigint,
    duration_ms           bigint,
    chunks                integer,
    tokens                integer,
    tokens_per_second     double precision,
    finish_reason         varchar(64),
    error_code            varchar(32),
    recoveries            integer      not null default 0,
    recovery_micros_total bigint       not null default 0
);

create index message_analytics_ended on message_analytics (ended_at);
create index message_analytics_user_ended on message_analytics (user_id, ended_at);

-- Hourly rollups of ended answers per model and per user, recomputed for recent hours by a scheduled job.
create table stream_stats_hourly (
    hour                 timestamptz  not null,
    dimension            varchar(8)   not null check (dimension in ('model', 'user')),
    dimension_key        varchar(128) not null,
    answers              integer      not null,
    errors               integer      not null,
    error_rate           double precision not null,
    ttfc_p50_ms          double precision,
    ttfc_p95_ms          double precision,
    ttfc_p99_ms          double precision,
    duration_p50_ms      double precision,
    duration_p95_ms      double precision,
    duration_p99_ms      double precision,
    tokens_per_second    double precision,
    recoveries           integer      not null,
    primary key (hour, dimension, dimension_key)
);
