-- People search (decision 0085): prefix ranges on the lower-cased username and display name.
-- Usernames are already lower case and unique (users_username_unique serves their range); the
-- display name gets an expression index, so `lower(display_name) >= lower(?) AND < lower(?) ||
-- char(0x10FFFF)` is an index range, not a scan. Hand-written: drizzle-kit does not diff it.
CREATE INDEX `users_display_name_lower_idx` ON `users` (lower(`display_name`), `username`);
