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
