-- Per-user task usage (issue 19, decision 0078): the submission token bucket (TASK_USER_RATE)
-- and the UTC day's counters, tokens spent on OpenAI-protocol backends (TASK_USER_DAILY_TOKENS).
-- Hand-written: one row per user, updated by single conditional statements.
CREATE TABLE `task_usage` (
	`user_id` text PRIMARY KEY NOT NULL,
	`bucket` real NOT NULL,
	`bucket_at` integer NOT NULL,
	`day` text NOT NULL,
	`day_tasks` integer DEFAULT 0 NOT NULL,
	`day_prompt_tokens` integer DEFAULT 0 NOT NULL,
	`day_completion_tokens` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
