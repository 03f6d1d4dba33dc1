-- Scenario "fresh": a new homeserver, before anyone registered.
TRUNCATE users, profiles, user_threepids, user_external_ids, access_tokens, refresh_tokens, devices CASCADE;
