CREATE INDEX `comments_created_idx` ON `comments` (`created_at`);--> statement-breakpoint
CREATE INDEX `likes_created_idx` ON `likes` (`created_at`);