-- Recoveries that session-service served from the hot log come as RECOVERED events: the event id makes a redelivered
-- one a no-op. Rows of recoveries this service served itself have none.
alter table recovery_audit add column event_id varchar(64);

create unique index recovery_audit_event on recovery_audit (event_id) where event_id is not null;
