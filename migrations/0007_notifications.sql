-- Notifications (decision 0077): one row per group (recipient, kind, subject) while unread;
-- a new event after the group was read opens a new group. Written only by the EVENTS consumer.
CREATE TABLE `notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`recipient_id` text NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`group_key` text NOT NULL,
	`actors` text DEFAULT '[]' NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`since` integer DEFAULT 0 NOT NULL,
	`latest_at` integer NOT NULL,
	`read_at` integer,
	FOREIGN KEY (`recipient_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_open_group_idx` ON `notifications` (`recipient_id`,`group_key`) WHERE `read_at` IS NULL;
--> statement-breakpoint
CREATE INDEX `notifications_recipient_idx` ON `notifications` (`recipient_id`,`latest_at`,`id`);
--> statement-breakpoint
-- Hashtags (decision 0077's sibling, API.md "Tags and search"): one row per (tag, post), written with the post.
CREATE TABLE `post_tags` (
	`tag` text NOT NULL,
	`post_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tag`, `post_id`),
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `post_tags_post_idx` ON `post_tags` (`post_id`);
--> statement-breakpoint
CREATE INDEX `post_tags_created_idx` ON `post_tags` (`created_at`);
--> statement-breakpoint
-- Full-text search over live posts: an FTS5 index keyed by the posts' rowid, kept in step by
-- triggers (a soft delete removes the post from the index; deleted posts are never found).
CREATE VIRTUAL TABLE `posts_fts` USING fts5(`content`, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
INSERT INTO `posts_fts` (`rowid`, `content`) SELECT `rowid`, `content` FROM `posts` WHERE `deleted_at` IS NULL;
--> statement-breakpoint
CREATE TRIGGER `posts_fts_insert` AFTER INSERT ON `posts` WHEN new.`deleted_at` IS NULL BEGIN
  INSERT INTO `posts_fts` (`rowid`, `content`) VALUES (new.`rowid`, new.`content`);
END;
--> statement-breakpoint
CREATE TRIGGER `posts_fts_update` AFTER UPDATE OF `content`, `deleted_at` ON `posts` BEGIN
  DELETE FROM `posts_fts` WHERE `rowid` = old.`rowid`;
  INSERT INTO `posts_fts` (`rowid`, `content`) SELECT new.`rowid`, new.`content` WHERE new.`deleted_at` IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `posts_fts_delete` AFTER DELETE ON `posts` BEGIN
  DELETE FROM `posts_fts` WHERE `rowid` = old.`rowid`;
END;
