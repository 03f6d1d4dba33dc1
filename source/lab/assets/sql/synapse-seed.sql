-- Seed of the lab's Synapse database (server_name example.org), loaded after synapse-schema.sql.
-- Passwords are real bcrypt hashes (cost 12, no pepper): alice/alice-password, bob/bob-password,
-- carol's hash is carol-password but carol is OIDC-only in the lab (no hash), dave/carol-password.
-- users.creation_ts is in SECONDS; *_at, last_validated, last_seen are MILLISECONDS.
INSERT INTO schema_version (lock, version, upgraded) VALUES ('X', 94, true);
INSERT INTO schema_compat_version (lock, compat_version) VALUES ('X', 84);

INSERT INTO users (name, password_hash, creation_ts, admin, is_guest, deactivated, approved, appservice_id, locked) VALUES
  ('@alice:example.org', '$2b$12$9/3uYTNQOl1QJfnOkDIz3uEWPkZeCZB6eVQLIHpqvBE0zljOkZgwe', 1700000000, 1, 0, 0, true, NULL, false),
  ('@bob:example.org',   '$2b$12$Uq/eWkpu/wWcQHW84ZeMMuuEiPTe344UxYI.JVYXh2zaUcqiQkJfy', 1700000100, 0, 0, 0, true, NULL, false),
  ('@carol:example.org', NULL,                                                           1700000200, 0, 0, 0, true, NULL, false),
  ('@dave:example.org',  '$2b$12$tnl7wBeBof.haL7eMrVawudN/Q2gKvmobj/KfVeA7UNwtdiHtddVG', 1700000300, 0, 0, 0, true, NULL, false),
  ('@erin:example.org',  NULL,                                                           1700000400, 0, 0, 1, true, NULL, false),
  ('@ops:example.org',   '$2b$12$9/3uYTNQOl1QJfnOkDIz3uEWPkZeCZB6eVQLIHpqvBE0zljOkZgwe', 1700000500, 1, 0, 0, true, NULL, false),
  ('@telegrambot:example.org', NULL,                                                     1700000600, 0, 0, 0, true, 'telegram', false);

INSERT INTO profiles (user_id, full_user_id, displayname) VALUES
  ('alice', '@alice:example.org', 'Alice Admin'),
  ('bob',   '@bob:example.org',   'Bob'),
  ('carol', '@carol:example.org', 'Carol (Keycloak)'),
  ('dave',  '@dave:example.org',  'Dave (Keycloak + password)'),
  ('erin',  '@erin:example.org',  'Erin (deactivated)'),
  ('ops',   '@ops:example.org',   'Ops'),
  ('telegrambot', '@telegrambot:example.org', 'Telegram bridge bot');

INSERT INTO user_threepids (user_id, medium, address, validated_at, added_at) VALUES
  ('@alice:example.org', 'email',  'alice@example.org', 1700000050000, 1700000040000),
  ('@bob:example.org',   'email',  'Bob@Example.org',   1700000150000, 1700000140000),
  ('@bob:example.org',   'msisdn', '447700900123',      1700000160000, 1700000155000),
  ('@dave:example.org',  'email',  'dave@example.org',  1700000350000, 1700000340000);

-- Synapse stores an oidc_providers entry with idp_id "keycloak" as auth_provider 'oidc-keycloak'.
INSERT INTO user_external_ids (auth_provider, external_id, user_id) VALUES
  ('oidc-keycloak', 'b7c1f7d2-5c0e-4b8e-9a51-3c1f0e2d9a10', '@carol:example.org'),
  ('oidc-keycloak', '5d0a3c55-0f7e-4c36-8a2f-1d7b2c9e4f01', '@dave:example.org');

INSERT INTO devices (user_id, device_id, display_name, last_seen, ip, user_agent, hidden) VALUES
  ('@alice:example.org', 'ALICEDEV01', 'Alice laptop', 1700001000000, '192.0.2.10', 'Element/1.11', false),
  ('@bob:example.org',   'BOBDEV0001', 'Bob phone',    1700002000000, '192.0.2.20', 'Element Android', false),
  ('@carol:example.org', 'CAROLDEV01', 'Carol web',    1700003000000, '192.0.2.30', 'Element Web', false),
  ('@ops:example.org',   'OPSDEV0001', 'Ops shell',    1700004000000, 'not-an-ip',  'curl/8.0', false),
  ('@telegrambot:example.org', 'TGBOTDEV01', NULL,     1700005000000, '172.18.0.5', 'mautrix-telegram', false);

INSERT INTO refresh_tokens (id, user_id, device_id, token, next_token_id, expiry_ts, ultimate_session_expiry_ts) VALUES
  (1, '@bob:example.org', 'BOBDEV0001', 'syr_Ym9i_refreshtoken0000000001_abcdef', NULL, NULL, NULL);

INSERT INTO access_tokens (id, user_id, device_id, token, valid_until_ms, puppets_user_id, last_validated, refresh_token_id, used) VALUES
  (1, '@alice:example.org', 'ALICEDEV01', 'syt_YWxpY2U_accesstoken0000000001_abcdef', NULL, NULL, 1700001000000, NULL, NULL),
  (2, '@bob:example.org',   'BOBDEV0001', 'syt_Ym9i_accesstoken000000000002_abcdef',  NULL, NULL, 1700002000000, 1,    true),
  (3, '@carol:example.org', 'CAROLDEV01', 'syt_Y2Fyb2w_accesstoken00000000003_abcdef', NULL, NULL, 1700003000000, NULL, NULL),
  (4, '@ops:example.org',   'OPSDEV0001', 'syt_b3Bz_accesstoken000000000004_abcdef',  NULL, NULL, 1700004000000, NULL, NULL),
  -- admin-API puppet token (no device): excluded by current syn2mas, skipped by the legacy tool
  (5, '@alice:example.org', NULL,         'syt_YWxpY2U_puppettoken00000000005_abcdef', NULL, '@bob:example.org', NULL, NULL, NULL),
  (6, '@telegrambot:example.org', 'TGBOTDEV01', 'syt_dGc_accesstoken00000000000006_abcdef', NULL, NULL, 1700005000000, NULL, NULL);
