-- Scenario "guests": a server that once allowed guest access. Guests are numeric localparts with
-- is_guest = 1 and no password (Synapse's register_guest), each with an access token and device.
INSERT INTO users (name, password_hash, creation_ts, admin, is_guest, deactivated, approved, appservice_id, locked) VALUES
  ('@1001:example.org', NULL, 1700001000, 0, 1, 0, true, NULL, false),
  ('@1002:example.org', NULL, 1700001100, 0, 1, 0, true, NULL, false);
