-- A conversation id is the client's, and the protocol allows 128 characters: this column held 64, and a request in a
-- conversation with a longer id could not be recorded (its answer never started).
alter table stream_sessions alter column conversation_id type varchar(128);
