-- Scenario "guests": a server that once allowed guest access. Guests are numeric localparts with
-- is_guest = 1 and no password (Synapse's register_guest), each with an access token and device.
INSERT INTO users (name, password_hash, creation_ts, admin, is_guest, deactivated, approved, appservice_id, locked) VALUES
  ('@1001:example.org', NULL, 1700001000, 0, 1, 0, true, NULL, false),
  ('@1002:example.org', NULL, 1700001100, 0, 1, 0, true, NULL, false);

INSERT INTO devices (user_id, device_id, display_name, last_seen, ip, user_agent, hidden) VALUES
  ('@1001:example.org', 'GUESTDEV01', NULL, 1700001000500, '192.0.2.101', 'Element Web', false),
  ('@1002:example.org', 'GUESTDEV02', NULL, 1700001100500, '192.0.2.102', 'Element Web', false);

INSERT INTO access_tokens (id, user_id, device_id, token, valid_until_ms, puppets_user_id, last_validated, refresh_token_id, used) VALUES
  (101, '@1001:example.org', 'GUESTDEV01', 'syt_MTAwMQ_guestaccesstoken000101_abcdef', NULL, NULL, 1700001000500, NULL, NULL),
  (102, '@1002:example.org', 'GUESTDEV02', 'syt_MTAwMg_guestaccesstoken000102_abcdef', NULL, NULL, 1700001100500, NULL, NULL);
